export interface FloatingIp {
  id: string;
  floatingIpAddress: string;
  floatingNetworkId: string;
  fixedIpAddress?: string;
  portId?: string;
  routerId?: string;
  status: string;
  projectId?: string;
}
