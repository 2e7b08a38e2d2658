export { NetworksApi } from './api';
export type { ListNetworksFilters, CreateNetworkOptions } from './requests';
export type { Network } from './results';
