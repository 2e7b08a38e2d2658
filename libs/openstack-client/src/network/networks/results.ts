export interface Network {
  id: string;
  name: string;
  status: string;
  adminStateUp: boolean;
  shared: boolean;
  /** `router:external`. */
  external: boolean;
  subnetIds: string[];
  projectId?: string;
  mtu?: number;
}
