export { PortsApi } from './api';
export type { ListPortsFilters } from './requests';
export type { Port, PortFixedIp } from './results';
