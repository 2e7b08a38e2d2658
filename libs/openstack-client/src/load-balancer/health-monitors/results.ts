import type { WireReader } from '../../common/wire';
import { parseIdRefs, parseOctaviaObject, type OctaviaObject } from '../provisioning';
import type { HealthMonitorType } from './requests';

export interface HealthMonitor extends OctaviaObject {
  type: HealthMonitorType;
  delaySeconds: number;
  timeoutSeconds: number;
  maxRetries: number;
  maxRetriesDown: number;
  urlPath: string | undefined;
  expectedCodes: string | undefined;
  poolIds: string[];
}

export function parseHealthMonitor(
  wire: WireReader,
  o: Record<string, unknown>,
  path: string,
): HealthMonitor {
  return {
    ...parseOctaviaObject(wire, o, path),
    type: wire.string(o, 'type', path) as HealthMonitorType,
    delaySeconds: wire.number(o, 'delay', path),
    timeoutSeconds: wire.number(o, 'timeout', path),
    maxRetries: wire.number(o, 'max_retries', path),
    maxRetriesDown: wire.optionalNumber(o, 'max_retries_down', path) ?? 3,
    urlPath: wire.optionalString(o, 'url_path', path),
    expectedCodes: wire.optionalString(o, 'expected_codes', path),
    poolIds: parseIdRefs(wire, o, 'pools', path),
  };
}
