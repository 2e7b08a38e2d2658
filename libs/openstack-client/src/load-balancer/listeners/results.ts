import type { WireReader } from '../../common/wire';
import { parseIdRefs, parseOctaviaObject, type OctaviaObject } from '../provisioning';
import type { ListenerProtocol } from './requests';

export interface Listener extends OctaviaObject {
  protocol: ListenerProtocol;
  protocolPort: number;
  /** -1: unlimited. */
  connectionLimit: number;
  defaultPoolId: string | undefined;
  loadBalancerIds: string[];
  insertHeaders: Record<string, string>;
}

export function parseListener(
  wire: WireReader,
  o: Record<string, unknown>,
  path: string,
): Listener {
  const headers = wire.optionalObject(o, 'insert_headers', path) ?? {};
  return {
    ...parseOctaviaObject(wire, o, path),
    protocol: wire.string(o, 'protocol', path) as ListenerProtocol,
    protocolPort: wire.number(o, 'protocol_port', path),
    connectionLimit: wire.optionalNumber(o, 'connection_limit', path) ?? -1,
    defaultPoolId: wire.optionalString(o, 'default_pool_id', path),
    loadBalancerIds: parseIdRefs(wire, o, 'loadbalancers', path),
    insertHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, String(v)])),
  };
}
