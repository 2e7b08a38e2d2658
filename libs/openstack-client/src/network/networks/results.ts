import type { WireReader } from '../../common/wire';

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

export function parseNetwork(
  wire: WireReader,
  n: Record<string, unknown>,
  path = 'network',
): Network {
  return {
    id: wire.string(n, 'id', path),
    name: wire.optionalString(n, 'name', path) ?? '',
    status: wire.optionalString(n, 'status', path) ?? 'UNKNOWN',
    adminStateUp: wire.optionalBoolean(n, 'admin_state_up', path) ?? true,
    shared: wire.optionalBoolean(n, 'shared', path) ?? false,
    external: wire.optionalBoolean(n, 'router:external', path) ?? false,
    subnetIds: n['subnets'] === undefined ? [] : wire.stringArray(n, 'subnets', path),
    projectId:
      wire.optionalString(n, 'project_id', path) ?? wire.optionalString(n, 'tenant_id', path),
    mtu: wire.optionalNumber(n, 'mtu', path),
  };
}
