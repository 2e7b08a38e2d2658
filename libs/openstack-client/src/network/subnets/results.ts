export interface Subnet {
  id: string;
  name: string;
  networkId: string;
  cidr: string;
  ipVersion: 4 | 6;
  gatewayIp?: string;
  enableDhcp: boolean;
  projectId?: string;
}
