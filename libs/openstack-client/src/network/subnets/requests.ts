import type { QueryValue } from '../../session/session-types';

export interface ListSubnetsFilters {
  name?: string;
  networkId?: string;
  ipVersion?: 4 | 6;
  projectId?: string;
}

export function buildListSubnetsQuery(filters: ListSubnetsFilters): Record<string, QueryValue> {
  return {
    name: filters.name,
    network_id: filters.networkId,
    ip_version: filters.ipVersion,
    project_id: filters.projectId,
  };
}
