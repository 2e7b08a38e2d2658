import type { WireReader } from '../../common/wire';
import { parseOctaviaObject, type OctaviaObject } from '../provisioning';

export interface Member extends OctaviaObject {
  address: string;
  protocolPort: number;
  weight: number;
  backup: boolean;
  subnetId: string | undefined;
  monitorAddress: string | undefined;
  monitorPort: number | undefined;
}

export function parseMember(wire: WireReader, o: Record<string, unknown>, path: string): Member {
  return {
    ...parseOctaviaObject(wire, o, path),
    address: wire.string(o, 'address', path),
    protocolPort: wire.number(o, 'protocol_port', path),
    weight: wire.optionalNumber(o, 'weight', path) ?? 1,
    backup: wire.optionalBoolean(o, 'backup', path) ?? false,
    subnetId: wire.optionalString(o, 'subnet_id', path, true),
    monitorAddress: wire.optionalString(o, 'monitor_address', path, true),
    monitorPort: wire.optionalNumber(o, 'monitor_port', path),
  };
}
