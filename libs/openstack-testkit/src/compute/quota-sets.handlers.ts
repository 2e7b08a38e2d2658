// Nova os-quota-sets: show, detail (limit / in_use / reserved), defaults, and update (admin only).
// Shapes: nova doc/api_samples/os-quota-sets/ (v2.57 user-quotas-show-get-resp.json,
// quotas-show-detail-get-resp.json, quotas-update-post-resp.json) and the Debian Zed devcloud
// (/work/captures/nova/38b-quota-sets-demo.txt, 38c-quota-sets-demo-detail.txt,
// 51-admin-quota-set-instances.txt, 51b-demo-quota-set-forbidden.txt): `id` first, then the
// resources in alphabetical order; the PUT answer has no `id`; a member may read the quota of its own
// project but not change it (403 "Policy doesn't allow os_compute_api:os-quota-sets:update to be
// performed."). Checks: nova/api/openstack/compute/quota_sets.py (schema, then policy, then "Quota
// limit N for R must be greater than or equal to already used and reserved U." unless force).
import type { FakeQuota } from '../fake-openstack.types';
import {
  isRecord,
  json,
  parseJsonBody,
  type RouteContext,
  type Router,
  type WireResponse,
} from '../http/wire';
import { novaSchemaError, pythonRepr } from '../fixtures/nova-error-response.v2.1';
import { defaultQuota } from '../state/cloud-state';
import { atLeast, type Microversion } from './microversion';
import type { ComputeApi } from './compute.service';

/** Nova's quota resources that the fake stores; the others have fixed default values. */
const STORED = { cores: 'cores', instances: 'instances', ram: 'ram' } as const;
type StoredResource = keyof typeof STORED;

/**
 * Defaults of the resources the fake does not enforce (nova/conf/quota.py). The four network
 * quotas are -1 (unlimited, no longer enforced by Nova since nova-network was removed), as the
 * devcloud answers at 2.1 and as `openstack quota show` prints them there.
 */
const FIXED_DEFAULTS: Record<string, number> = {
  fixed_ips: -1,
  floating_ips: -1,
  injected_file_content_bytes: 10240,
  injected_file_path_bytes: 255,
  injected_files: 5,
  key_pairs: 100,
  metadata_items: 128,
  security_group_rules: -1,
  security_groups: -1,
  server_group_members: 10,
  server_groups: 10,
};
/** Hidden from 2.36 (network quotas) and from 2.57 (injected files). */
const GONE_AT_2_36 = ['fixed_ips', 'floating_ips', 'security_group_rules', 'security_groups'];
const GONE_AT_2_57 = ['injected_file_content_bytes', 'injected_file_path_bytes', 'injected_files'];
const MAX_INT = 0x7fffffff;

export class QuotaSetsHandlers {
  /** Limits of projects other than the member's (the admin project, or any id an admin names). */
  private readonly otherProjects = new Map<
    string,
    { stored: FakeQuota; fixed: Record<string, number> }
  >();
  private readonly memberFixed: Record<string, number> = { ...FIXED_DEFAULTS };

  constructor(private readonly api: ComputeApi) {}

  register(router: Router): void {
    const base = '/v2.1/os-quota-sets/:projectId';
    router
      .add('GET', base, (ctx) => this.show(ctx, 'show'))
      .add('GET', `${base}/detail`, (ctx) => this.show(ctx, 'detail'))
      .add('GET', `${base}/defaults`, (ctx) => this.show(ctx, 'defaults'))
      .add('PUT', base, (ctx) => this.update(ctx));
  }

  private show(ctx: RouteContext, action: 'show' | 'detail' | 'defaults'): WireResponse {
    const projectId = ctx.params.projectId;
    this.authorize(ctx, action, projectId);
    const limits = action === 'defaults' ? this.defaults() : this.limits(projectId);
    const usage = action === 'detail' ? this.usage(projectId) : undefined;
    const quotaSet: Record<string, unknown> = { id: projectId };
    for (const resource of this.visible(this.api.version(ctx))) {
      quotaSet[resource] = usage
        ? { limit: limits[resource], in_use: usage[resource] ?? 0, reserved: 0 }
        : limits[resource];
    }
    return json(200, { quota_set: quotaSet });
  }

  private update(ctx: RouteContext): WireResponse {
    const projectId = ctx.params.projectId;
    const v = this.api.version(ctx);
    const wanted = this.validateBody(ctx, v);
    this.authorize(ctx, 'update', projectId);
    const force = wanted.force === true || String(wanted.force).toLowerCase() === 'true';
    const usage = this.usage(projectId);
    const changes: [string, number][] = [];
    for (const [resource, raw] of Object.entries(wanted)) {
      if (resource === 'force') continue;
      const limit = Number(raw);
      const used = usage[resource] ?? 0;
      if (!force && limit !== -1 && limit < used) {
        this.api.fail(
          400,
          `Quota limit ${limit} for ${resource} must be greater than or equal to already used and reserved ${used}.`,
          ctx,
        );
      }
      changes.push([resource, limit]);
    }
    const target = this.target(projectId);
    for (const [resource, limit] of changes) {
      if (resource in STORED) target.stored[STORED[resource as StoredResource]] = limit;
      else target.fixed[resource] = limit;
    }
    const limits = this.limits(projectId);
    const quotaSet: Record<string, unknown> = {};
    for (const resource of this.visible(v)) quotaSet[resource] = limits[resource];
    return json(200, { quota_set: quotaSet });
  }

  /** The schema of PUT os-quota-sets (nova/api/openstack/compute/schemas/quota_sets.py). */
  private validateBody(ctx: RouteContext, v: Microversion): Record<string, unknown> {
    const body = parseJsonBody(ctx, () => this.api.error(400, 'Malformed request body', ctx));
    if (!isRecord(body) || !('quota_set' in body))
      this.api.fail(400, "'quota_set' is a required property", ctx);
    const quotaSet = body.quota_set;
    if (!isRecord(quotaSet))
      this.api.fail(
        400,
        novaSchemaError('quota_set', quotaSet, `${pythonRepr(quotaSet)} is not of type 'object'`),
        ctx,
      );
    const allowed = new Set([...this.visible(v), 'force']);
    for (const [resource, value] of Object.entries(quotaSet)) {
      if (!allowed.has(resource)) continue;
      if (resource === 'force') continue;
      if (typeof value !== 'number' && typeof value !== 'string')
        this.api.fail(
          400,
          novaSchemaError(
            resource,
            value,
            `${pythonRepr(value)} is not of type 'integer', 'string'`,
          ),
          ctx,
        );
      if (typeof value === 'string' && !/^-?[0-9]+$/.test(value))
        this.api.fail(
          400,
          novaSchemaError(resource, value, `${pythonRepr(value)} does not match '^-?[0-9]+$'`),
          ctx,
        );
      const n = Number(value);
      if (!Number.isInteger(n))
        this.api.fail(
          400,
          novaSchemaError(
            resource,
            value,
            `${pythonRepr(value)} is not of type 'integer', 'string'`,
          ),
          ctx,
        );
      if (n < -1)
        this.api.fail(
          400,
          novaSchemaError(resource, value, `${n} is less than the minimum of -1`),
          ctx,
        );
      if (n > MAX_INT)
        this.api.fail(
          400,
          novaSchemaError(resource, value, `${n} is greater than the maximum of ${MAX_INT}`),
          ctx,
        );
    }
    const extra = Object.keys(quotaSet).filter((key) => !allowed.has(key));
    if (extra.length > 0) {
      this.api.fail(
        400,
        novaSchemaError(
          'quota_set',
          quotaSet,
          `Additional properties are not allowed (${extra.map((k) => pythonRepr(k)).join(', ')} ${extra.length === 1 ? 'was' : 'were'} unexpected)`,
        ),
        ctx,
      );
    }
    return quotaSet;
  }

  /** Nova's policy: a project reader may show/detail its own project; only an admin may update. */
  private authorize(ctx: RouteContext, action: string, projectId: string): void {
    const roles = ctx.token?.roles ?? [];
    const admin = roles.includes('admin');
    const ownReader = ctx.token?.projectId === projectId && action !== 'update';
    if (!admin && !ownReader) {
      this.api.fail(
        403,
        `Policy doesn't allow os_compute_api:os-quota-sets:${action} to be performed.`,
        ctx,
      );
    }
  }

  private visible(v: Microversion): string[] {
    const hidden = new Set([
      ...(atLeast(v, '2.36') ? GONE_AT_2_36 : []),
      ...(atLeast(v, '2.57') ? GONE_AT_2_57 : []),
    ]);
    return [...Object.keys(STORED), ...Object.keys(FIXED_DEFAULTS)]
      .filter((resource) => !hidden.has(resource))
      .sort();
  }

  private defaults(): Record<string, number> {
    const stored = defaultQuota();
    return { ...FIXED_DEFAULTS, cores: stored.cores, instances: stored.instances, ram: stored.ram };
  }

  private target(projectId: string): { stored: FakeQuota; fixed: Record<string, number> } {
    if (projectId === this.api.settings.credentials.projectId)
      return { stored: this.api.settings.quota, fixed: this.memberFixed };
    let other = this.otherProjects.get(projectId);
    if (!other) {
      other = { stored: defaultQuota(), fixed: { ...FIXED_DEFAULTS } };
      this.otherProjects.set(projectId, other);
    }
    return other;
  }

  private limits(projectId: string): Record<string, number> {
    const { stored, fixed } = this.target(projectId);
    return { ...fixed, cores: stored.cores, instances: stored.instances, ram: stored.ram };
  }

  /** What the project uses: only the member's project has servers and key pairs in the fake. */
  private usage(projectId: string): Record<string, number> {
    const { state, credentials, lifecycle } = this.api.settings;
    if (projectId !== credentials.projectId) return {};
    lifecycle.advanceAllServers();
    const servers = [...state.servers.values()].filter((s) => s.status !== 'DELETED');
    const flavorOf = (id: string) => state.flavors.get(id);
    return {
      instances: servers.length,
      cores: servers.reduce((sum, s) => sum + (flavorOf(s.flavorId)?.vcpus ?? 0), 0),
      ram: servers.reduce((sum, s) => sum + (flavorOf(s.flavorId)?.ram ?? 0), 0),
      key_pairs: state.keypairs.size,
      server_groups: state.serverGroups.size,
    };
  }
}
