import type { WireReader } from '../../common/wire';

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

export function parseFloatingIp(
  wire: WireReader,
  f: Record<string, unknown>,
  path = 'floatingip',
): FloatingIp {
  return {
    id: wire.string(f, 'id', path),
    floatingIpAddress: wire.string(f, 'floating_ip_address', path),
    floatingNetworkId: wire.string(f, 'floating_network_id', path),
    fixedIpAddress: wire.optionalString(f, 'fixed_ip_address', path),
    portId: wire.optionalString(f, 'port_id', path),
    routerId: wire.optionalString(f, 'router_id', path),
    status: wire.optionalString(f, 'status', path) ?? 'UNKNOWN',
    projectId:
      wire.optionalString(f, 'project_id', path) ?? wire.optionalString(f, 'tenant_id', path),
  };
}
