export { NetworkApi } from './network-api';
export * from './networks';
export * from './subnets';
export * from './security-groups';
export * from './ports';
export * from './floating-ips';
