export interface ListPortsFilters {
  deviceId?: string;
  networkId?: string;
  deviceOwner?: string;
  name?: string;
  status?: string;
}
