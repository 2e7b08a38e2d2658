export { ImageApi } from './image-api';
export * from './images';
