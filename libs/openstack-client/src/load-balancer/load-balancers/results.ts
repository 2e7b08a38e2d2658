import type { WireReader } from '../../common/wire';
import {
  parseIdRefs,
  parseOctaviaObject,
  type OctaviaObject,
  type OperatingStatus,
  type ProvisioningStatus,
} from '../provisioning';

type Obj = Record<string, unknown>;

export interface LoadBalancer extends OctaviaObject {
  vipAddress: string;
  vipPortId: string;
  vipSubnetId: string;
  vipNetworkId: string;
  provider: string;
  listenerIds: string[];
  poolIds: string[];
}

export function parseLoadBalancer(wire: WireReader, o: Obj, path: string): LoadBalancer {
  return {
    ...parseOctaviaObject(wire, o, path),
    vipAddress: wire.optionalString(o, 'vip_address', path) ?? '',
    vipPortId: wire.optionalString(o, 'vip_port_id', path) ?? '',
    vipSubnetId: wire.optionalString(o, 'vip_subnet_id', path) ?? '',
    vipNetworkId: wire.optionalString(o, 'vip_network_id', path) ?? '',
    provider: wire.optionalString(o, 'provider', path) ?? '',
    listenerIds: parseIdRefs(wire, o, 'listeners', path),
    poolIds: parseIdRefs(wire, o, 'pools', path),
  };
}

/**
 * `GET .../stats` of a load balancer or listener (api-ref "Get Load Balancer statistics"):
 * counters since the amphora's HAProxy last (re)started; a reload (every change) may reset them,
 * so callers must treat a counter that went down as a restart, not as negative traffic.
 * Octavia counts connections, not HTTP requests: with keep-alive one connection carries many.
 */
export interface LoadBalancerStats {
  activeConnections: number;
  totalConnections: number;
  bytesIn: number;
  bytesOut: number;
  requestErrors: number;
}

export function parseStats(wire: WireReader, root: Obj): LoadBalancerStats {
  const s = wire.object(root, 'stats', 'body');
  const path = 'stats';
  return {
    activeConnections: wire.number(s, 'active_connections', path),
    totalConnections: wire.number(s, 'total_connections', path),
    bytesIn: wire.number(s, 'bytes_in', path),
    bytesOut: wire.number(s, 'bytes_out', path),
    requestErrors: wire.number(s, 'request_errors', path),
  };
}

/** One node of the status tree (api-ref "Get the Load Balancer status tree"). */
export interface StatusNode {
  id: string;
  name: string;
  provisioningStatus: ProvisioningStatus;
  operatingStatus?: OperatingStatus;
}

export interface MemberStatus extends StatusNode {
  address: string;
  protocolPort: number;
}

export interface PoolStatus extends StatusNode {
  members: MemberStatus[];
  healthMonitor?: StatusNode & { type: string };
}

export interface ListenerStatus extends StatusNode {
  pools: PoolStatus[];
}

export interface LoadBalancerStatusTree extends StatusNode {
  listeners: ListenerStatus[];
  /** Pools reachable from the load balancer (listed when the cloud gives them). */
  pools: PoolStatus[];
}

function parseNode(wire: WireReader, o: Obj, path: string): StatusNode {
  return {
    id: wire.string(o, 'id', path),
    name: wire.optionalString(o, 'name', path) ?? '',
    provisioningStatus: wire.string(o, 'provisioning_status', path) as ProvisioningStatus,
    operatingStatus: wire.optionalString(o, 'operating_status', path) as
      OperatingStatus | undefined,
  };
}

function parsePoolStatus(wire: WireReader, o: Obj, path: string): PoolStatus {
  const monitor = wire.optionalObject(o, 'healthmonitor', path);
  return {
    ...parseNode(wire, o, path),
    members: (wire.optionalArray(o, 'members', path) ?? []).map((m, i) => {
      const mp = `${path}.members[${i}]`;
      const rec = wire.record(m, mp);
      return {
        ...parseNode(wire, rec, mp),
        address: wire.string(rec, 'address', mp),
        protocolPort: wire.number(rec, 'protocol_port', mp),
      };
    }),
    // An empty object means "no monitor" in the reference sample.
    healthMonitor:
      monitor && monitor['id'] !== undefined
        ? {
            ...parseNode(wire, monitor, `${path}.healthmonitor`),
            type: wire.string(monitor, 'type', `${path}.healthmonitor`),
          }
        : undefined,
  };
}

function parsePools(wire: WireReader, o: Obj, path: string): PoolStatus[] {
  return (wire.optionalArray(o, 'pools', path) ?? []).map((p, i) =>
    parsePoolStatus(wire, wire.record(p, `${path}.pools[${i}]`), `${path}.pools[${i}]`),
  );
}

export function parseStatusTree(wire: WireReader, root: Obj): LoadBalancerStatusTree {
  const statuses = wire.object(root, 'statuses', 'body');
  const lb = wire.object(statuses, 'loadbalancer', 'statuses');
  const path = 'statuses.loadbalancer';
  return {
    ...parseNode(wire, lb, path),
    listeners: (wire.optionalArray(lb, 'listeners', path) ?? []).map((l, i) => {
      const lp = `${path}.listeners[${i}]`;
      const rec = wire.record(l, lp);
      return { ...parseNode(wire, rec, lp), pools: parsePools(wire, rec, lp) };
    }),
    pools: parsePools(wire, lb, path),
  };
}
