export { SubnetsApi } from './api';
export type { ListSubnetsFilters } from './requests';
export type { Subnet } from './results';
