export { FloatingIpsApi } from './api';
export type {
  ListFloatingIpsFilters,
  CreateFloatingIpOptions,
  AssociateFloatingIpOptions,
} from './requests';
export type { FloatingIp } from './results';
