export * from './golden-image';
export * from './local-image-store';
