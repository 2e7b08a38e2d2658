/**
 * Would one more instance exceed the project's compute quota? A pure function of Nova's limits
 * (GET /limits `absolute`) and the flavor's size, checked in Nova's own order (instances, cores,
 * ram), so the quota we name is the one Nova would name in its 403.
 */

export interface QuotaUse {
  readonly limit: number;
  readonly used: number;
}

export interface ComputeQuota {
  readonly instances: QuotaUse;
  readonly cores: QuotaUse;
  /** MiB. */
  readonly ramMb: QuotaUse;
}

export interface FlavorSize {
  readonly name: string;
  readonly vcpus: number;
  readonly ramMb: number;
}

export interface QuotaShortfall {
  readonly quota: 'instances' | 'cores' | 'ram';
  readonly needed: number;
  readonly used: number;
  readonly limit: number;
  /** How far over the limit the next instance would take it. */
  readonly over: number;
  readonly message: string;
}

/** Undefined when `count` more instances of `flavor` fit (Nova's -1 means unlimited). */
export function quotaShortfall(
  quota: ComputeQuota,
  flavor: FlavorSize,
  count = 1,
): QuotaShortfall | undefined {
  const checks: Array<[QuotaShortfall['quota'], QuotaUse, number, string]> = [
    ['instances', quota.instances, count, ''],
    ['cores', quota.cores, count * flavor.vcpus, ' vCPUs'],
    ['ram', quota.ramMb, count * flavor.ramMb, ' MiB'],
  ];
  for (const [name, use, needed, unit] of checks) {
    if (use.limit < 0 || use.used + needed <= use.limit) continue;
    const over = use.used + needed - use.limit;
    return {
      quota: name,
      needed,
      used: use.used,
      limit: use.limit,
      over,
      message: `quota ${name}: the next instance (flavor ${flavor.name}: ${flavor.vcpus} vCPU, ${flavor.ramMb} MiB) needs ${needed}${unit}, ${use.used}${unit} of ${use.limit}${unit} are used: ${over}${unit} over; no create call until usage or the quota changes`,
    };
  }
  return undefined;
}
