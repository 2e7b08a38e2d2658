import type { WireReader } from '../../common/wire';

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

export function parsePort(wire: WireReader, p: Record<string, unknown>, path = 'port'): Port {
  return {
    id: wire.string(p, 'id', path),
    name: wire.optionalString(p, 'name', path) ?? '',
    networkId: wire.string(p, 'network_id', path),
    deviceId: wire.optionalString(p, 'device_id', path) ?? '',
    deviceOwner: wire.optionalString(p, 'device_owner', path) ?? '',
    status: wire.optionalString(p, 'status', path) ?? 'UNKNOWN',
    macAddress: wire.optionalString(p, 'mac_address', path) ?? '',
    fixedIps: (wire.optionalArray(p, 'fixed_ips', path) ?? []).map((f, i) => {
      const fp = `${path}.fixed_ips[${i}]`;
      const rec = wire.record(f, fp);
      return {
        subnetId: wire.string(rec, 'subnet_id', fp),
        ipAddress: wire.string(rec, 'ip_address', fp),
      };
    }),
    securityGroupIds:
      p['security_groups'] === undefined ? [] : wire.stringArray(p, 'security_groups', path),
    projectId:
      wire.optionalString(p, 'project_id', path) ?? wire.optionalString(p, 'tenant_id', path),
  };
}
