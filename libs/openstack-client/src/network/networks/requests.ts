export interface ListNetworksFilters {
  name?: string;
  /** `router:external`. */
  external?: boolean;
  shared?: boolean;
  projectId?: string;
  status?: string;
}
