export interface PortFixedIp {
  subnetId: string;
  ipAddress: string;
}

export interface Port {
  id: string;
  name: string;
  networkId: string;
  deviceId: string;
  deviceOwner: string;
  status: string;
  macAddress: string;
  fixedIps: PortFixedIp[];
  securityGroupIds: string[];
  projectId?: string;
}
