import type { WireReader } from '../../common/wire';
import { parseIdRefs, parseOctaviaObject, type OctaviaObject } from '../provisioning';
import type { LbAlgorithm, PoolProtocol } from './requests';

export interface Pool extends OctaviaObject {
  protocol: PoolProtocol;
  lbAlgorithm: LbAlgorithm;
  listenerIds: string[];
  loadBalancerIds: string[];
  memberIds: string[];
  healthMonitorId: string | undefined;
}

export function parsePool(wire: WireReader, o: Record<string, unknown>, path: string): Pool {
  return {
    ...parseOctaviaObject(wire, o, path),
    protocol: wire.string(o, 'protocol', path) as PoolProtocol,
    lbAlgorithm: wire.string(o, 'lb_algorithm', path) as LbAlgorithm,
    listenerIds: parseIdRefs(wire, o, 'listeners', path),
    loadBalancerIds: parseIdRefs(wire, o, 'loadbalancers', path),
    memberIds: parseIdRefs(wire, o, 'members', path),
    healthMonitorId: wire.optionalString(o, 'healthmonitor_id', path, true),
  };
}
