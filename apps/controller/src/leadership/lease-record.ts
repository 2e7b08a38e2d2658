/**
 * What the lease resource's `description` holds (Neutron: at most 255 characters), as JSON:
 * `{"v":1,"holder":"ctl-a","token":"...","leaseMs":15000,"until":"2026-...Z"}`.
 *
 * `until` is the holder's wall-clock guess of the end, for people (status, `openstack security
 * group show`). No contender trusts it: wall clocks of two machines disagree. A contender judges
 * expiry by how long the resource's `revision_number` stayed unchanged on ITS OWN monotonic clock.
 */
export interface LeaseRecord {
  /** The controller holding it; "" when released or never held. */
  readonly holder: string;
  /** Random per write: lets a holder recognise its own write after a lost answer. */
  readonly token: string;
  /** The holder's leadership.leaseDurationMs. */
  readonly leaseMs: number;
  /** For display only (see above). */
  readonly until: string;
  /** Written by a holder that stepped down cleanly: the next contender need not wait. */
  readonly released: boolean;
}

export function encodeLeaseRecord(record: LeaseRecord): string {
  return JSON.stringify({
    v: 1,
    holder: record.holder,
    token: record.token,
    leaseMs: record.leaseMs,
    until: record.until,
    ...(record.released ? { released: true } : {}),
  });
}

/** undefined for "" (a new resource) or anything we did not write: treated as held by someone unknown. */
export function decodeLeaseRecord(description: string): LeaseRecord | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(description);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const r = parsed as Record<string, unknown>;
  if (r['v'] !== 1 || typeof r['holder'] !== 'string' || typeof r['token'] !== 'string')
    return undefined;
  if (typeof r['leaseMs'] !== 'number' || !Number.isFinite(r['leaseMs']) || r['leaseMs'] <= 0)
    return undefined;
  return {
    holder: r['holder'],
    token: r['token'],
    leaseMs: r['leaseMs'],
    until: typeof r['until'] === 'string' ? r['until'] : '',
    released: r['released'] === true,
  };
}
