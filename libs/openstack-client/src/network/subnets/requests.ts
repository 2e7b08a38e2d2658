export interface ListSubnetsFilters {
  name?: string;
  networkId?: string;
  ipVersion?: 4 | 6;
  projectId?: string;
}
