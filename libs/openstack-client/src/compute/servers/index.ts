export { ServersApi, ServerTagsApi, ServerMetadataApi } from './api';
export type {
  WaitForServerStatusOptions,
  WaitForServerDeletedOptions,
  WaitForServerPowerOptions,
} from './api';
export { extractAddress } from './addresses';
export type { ExtractAddressOptions } from './addresses';
export type {
  CreateServerOptions,
  ServerNetworkAttachment,
  ServerNetworks,
  ListServersFilters,
  DeleteOptions,
  CreateServerImageOptions,
  ConsoleOutputOptions,
  ServerSchedulerHints,
} from './requests';
export type {
  Server,
  ServerStatus,
  ServerAddress,
  ServerFault,
  ServerFlavorInfo,
  ServerRef,
  ServerAction,
} from './results';
