// Compute microversion negotiation as Nova does it: `OpenStack-API-Version: compute X.Y` first,
// then the legacy `X-OpenStack-Nova-API-Version: X.Y`; none means 2.1; `latest` means the maximum.
import type { IncomingHttpHeaders } from 'node:http';

export interface Microversion {
  major: number;
  minor: number;
}

export const MIN_MICROVERSION: Microversion = { major: 2, minor: 1 };

export function parseMicroversion(text: string): Microversion | null {
  const found = /^(\d+)\.(\d+)$/.exec(text.trim());
  return found ? { major: Number(found[1]), minor: Number(found[2]) } : null;
}

export function formatMicroversion(version: Microversion): string {
  return `${version.major}.${version.minor}`;
}

/** True when `version` >= `other` (e.g. atLeast(v, '2.47')). */
export function atLeast(version: Microversion, other: string): boolean {
  const parsed = parseMicroversion(other);
  if (!parsed) throw new Error(`bad microversion literal ${other}`);
  return (
    version.major > parsed.major ||
    (version.major === parsed.major && version.minor >= parsed.minor)
  );
}

export type MicroversionRequest =
  | { kind: 'ok'; version: Microversion }
  | { kind: 'invalid'; text: string }
  | { kind: 'unsupported'; text: string };

export function requestedMicroversion(
  headers: IncomingHttpHeaders,
  max: Microversion,
): MicroversionRequest {
  let text: string | undefined;
  const modern = headers['openstack-api-version'];
  if (typeof modern === 'string') {
    for (const entry of modern.split(',')) {
      const [service, value] = entry.trim().split(/\s+/, 2);
      if (service?.toLowerCase() === 'compute' && value) text = value;
    }
  }
  const legacy = headers['x-openstack-nova-api-version'];
  if (text === undefined && typeof legacy === 'string') text = legacy.trim();
  if (text === undefined) return { kind: 'ok', version: MIN_MICROVERSION };
  if (text.toLowerCase() === 'latest') return { kind: 'ok', version: max };
  const parsed = parseMicroversion(text);
  if (!parsed) return { kind: 'invalid', text };
  const tooLow = parsed.major < 2 || (parsed.major === 2 && parsed.minor < MIN_MICROVERSION.minor);
  const tooHigh =
    parsed.major > max.major || (parsed.major === max.major && parsed.minor > max.minor);
  return tooLow || tooHigh ? { kind: 'unsupported', text } : { kind: 'ok', version: parsed };
}
