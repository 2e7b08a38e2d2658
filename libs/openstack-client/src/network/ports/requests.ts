import type { CallOptions } from '../../session/session-types';
import type { QueryValue } from '../../session/session-types';

export interface ListPortsFilters extends CallOptions {
  deviceId?: string;
  networkId?: string;
  deviceOwner?: string;
  name?: string;
  status?: string;
}

export function buildListPortsQuery(filters: ListPortsFilters): Record<string, QueryValue> {
  return {
    device_id: filters.deviceId,
    network_id: filters.networkId,
    device_owner: filters.deviceOwner,
    name: filters.name,
    status: filters.status,
  };
}
