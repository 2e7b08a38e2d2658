export { NetworksApi } from './api';
export type { ListNetworksFilters } from './requests';
export type { Network } from './results';
