export { NetworkApi } from './network-api';
export * from './networks';
export * from './subnets';
export * from './security-groups';
export * from './ports';
export * from './floating-ips';
export {
  parseIpAddress,
  parseCidr,
  cidrContains,
  compareIpAddresses,
  firstHostAddress,
  isAddressOrCidr,
} from './ip-address';
export type { IpVersion, IpAddress, ParsedCidr } from './ip-address';
