import type { QueryValue } from '../../session/session-types';

export interface ListNetworksFilters {
  name?: string;
  /** `router:external`. */
  external?: boolean;
  shared?: boolean;
  projectId?: string;
  status?: string;
}

export function buildListNetworksQuery(filters: ListNetworksFilters): Record<string, QueryValue> {
  return {
    name: filters.name,
    'router:external': filters.external,
    shared: filters.shared,
    project_id: filters.projectId,
    status: filters.status,
  };
}
