import type { WireReader } from '../../common/wire';
import type { AllocationPool } from './requests';

export interface Subnet {
  id: string;
  name: string;
  networkId: string;
  cidr: string;
  ipVersion: 4 | 6;
  /** Undefined when the subnet has no gateway (`gateway_ip: null`). */
  gatewayIp?: string;
  enableDhcp: boolean;
  allocationPools: AllocationPool[];
  dnsNameservers: string[];
  projectId?: string;
}

export function parseSubnet(wire: WireReader, s: Record<string, unknown>, path = 'subnet'): Subnet {
  const ipVersion = wire.number(s, 'ip_version', path);
  if (ipVersion !== 4 && ipVersion !== 6)
    wire.fail(`${path}.ip_version should be 4 or 6, got ${ipVersion}`);
  return {
    id: wire.string(s, 'id', path),
    name: wire.optionalString(s, 'name', path) ?? '',
    networkId: wire.string(s, 'network_id', path),
    cidr: wire.string(s, 'cidr', path),
    ipVersion,
    gatewayIp: wire.optionalString(s, 'gateway_ip', path),
    enableDhcp: wire.optionalBoolean(s, 'enable_dhcp', path) ?? false,
    allocationPools: (wire.optionalArray(s, 'allocation_pools', path) ?? []).map((p, i) => {
      const pp = `${path}.allocation_pools[${i}]`;
      const rec = wire.record(p, pp);
      return { start: wire.string(rec, 'start', pp), end: wire.string(rec, 'end', pp) };
    }),
    dnsNameservers:
      s['dns_nameservers'] === undefined || s['dns_nameservers'] === null
        ? []
        : wire.stringArray(s, 'dns_nameservers', path),
    projectId:
      wire.optionalString(s, 'project_id', path) ?? wire.optionalString(s, 'tenant_id', path),
  };
}
