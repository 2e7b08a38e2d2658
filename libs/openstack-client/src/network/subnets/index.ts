export { SubnetsApi } from './api';
export type { ListSubnetsFilters, CreateSubnetOptions, AllocationPool } from './requests';
export type { Subnet } from './results';
