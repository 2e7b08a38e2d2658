import type { WireReader } from '../../common/wire';

/** One quota of `os-quota-sets/{project}/detail`: -1 means unlimited. */
export interface QuotaUsage {
  limit: number;
  inUse: number;
  reserved: number;
}

/**
 * GET /os-quota-sets/{project}/detail (sample os-quota-sets/quotas-show-detail-get-resp.json):
 * the compute quotas that bound a scale-out, and every other resource by its wire name.
 */
export interface ComputeQuotaDetail {
  projectId: string;
  instances: QuotaUsage;
  cores: QuotaUsage;
  /** MiB. */
  ram: QuotaUsage;
  /** Every resource Nova listed, by its wire name (server_groups, key_pairs, ...). */
  all: Record<string, QuotaUsage>;
}

/**
 * GET /limits `absolute` (sample limits/limit-get-resp.json): what a project member may always
 * read. Nova says -1 for unlimited.
 */
export interface AbsoluteLimits {
  maxTotalInstances: number;
  maxTotalCores: number;
  /** MiB. */
  maxTotalRAMSize: number;
  totalInstancesUsed: number;
  totalCoresUsed: number;
  totalRAMUsed: number;
  maxServerGroups?: number;
  maxServerGroupMembers?: number;
  totalServerGroupsUsed?: number;
}

type Obj = Record<string, unknown>;

export function parseQuotaDetail(wire: WireReader, root: Obj): ComputeQuotaDetail {
  const q = wire.object(root, 'quota_set', 'body');
  const all: Record<string, QuotaUsage> = {};
  for (const [key, value] of Object.entries(q)) {
    if (key === 'id') continue;
    const item = wire.record(value, `quota_set.${key}`);
    const path = `quota_set.${key}`;
    all[key] = {
      limit: wire.number(item, 'limit', path),
      inUse: wire.number(item, 'in_use', path),
      reserved: wire.optionalNumber(item, 'reserved', path) ?? 0,
    };
  }
  const need = (key: string): QuotaUsage =>
    all[key] ?? wire.fail(`quota_set has no "${key}" (the compute quotas a scale-out needs)`);
  return {
    projectId: wire.string(q, 'id', 'quota_set'),
    instances: need('instances'),
    cores: need('cores'),
    ram: need('ram'),
    all,
  };
}

export function parseAbsoluteLimits(wire: WireReader, root: Obj): AbsoluteLimits {
  const limits = wire.object(root, 'limits', 'body');
  const a = wire.object(limits, 'absolute', 'limits');
  const path = 'limits.absolute';
  return {
    maxTotalInstances: wire.number(a, 'maxTotalInstances', path),
    maxTotalCores: wire.number(a, 'maxTotalCores', path),
    maxTotalRAMSize: wire.number(a, 'maxTotalRAMSize', path),
    totalInstancesUsed: wire.number(a, 'totalInstancesUsed', path),
    totalCoresUsed: wire.number(a, 'totalCoresUsed', path),
    totalRAMUsed: wire.number(a, 'totalRAMUsed', path),
    maxServerGroups: wire.optionalNumber(a, 'maxServerGroups', path),
    maxServerGroupMembers: wire.optionalNumber(a, 'maxServerGroupMembers', path),
    totalServerGroupsUsed: wire.optionalNumber(a, 'totalServerGroupsUsed', path),
  };
}
