// Neutron quotas: show (no router/floatingip entries without the L3 plugin; other projects get
// Neutron's defaults), update (admin only, as on the devcloud).
import type { FakeQuota } from '../fake-openstack.types';
import { defaultQuota } from '../state/cloud-state';
import { json, type RouteContext, type Router, type WireResponse } from '../http/wire';
import type { NeutronApi } from './network.service';

/** Neutron defaults of the quotas the fake does not enforce (neutron/conf/quota.py). */
const NEUTRON_FIXED_QUOTA = Object.freeze({
  subnet: 100,
  subnetpool: -1,
  router: 10,
  rbac_policy: 10,
  security_group: 10,
});

export class QuotasHandlers {
  private readonly fixedQuota: Record<keyof typeof NEUTRON_FIXED_QUOTA, number> = {
    ...NEUTRON_FIXED_QUOTA,
  };

  constructor(private readonly api: NeutronApi) {}

  register(router: Router): void {
    router
      .add('GET', '/v2.0/quotas/:projectId', (ctx) => json(200, { quota: this.quotaView(ctx) }))
      .add('PUT', '/v2.0/quotas/:projectId', (ctx) => this.updateQuotas(ctx));
  }

  /**
   * Neutron's quota of a project (captures/neutron/14-quota-demo.txt): without the L3 plugin there
   * is no `router` / `floatingip` entry. Only the member's project has its limits enforced; any
   * other project id gets Neutron's defaults.
   */
  private quotaView(ctx: RouteContext): Record<string, number> {
    const { credentials, l3 } = this.api.settings;
    const own = ctx.params.projectId === credentials.projectId;
    const quota = own ? this.api.settings.quota : defaultQuota();
    const fixed = own ? this.fixedQuota : NEUTRON_FIXED_QUOTA;
    const view: Record<string, number> = {
      network: quota.networks,
      subnet: fixed.subnet,
      subnetpool: fixed.subnetpool,
      port: quota.ports,
      ...(l3 ? { router: fixed.router, floatingip: quota.floatingIps } : {}),
      rbac_policy: fixed.rbac_policy,
      security_group: fixed.security_group,
      security_group_rule: quota.securityGroupRules,
    };
    return view;
  }

  /**
   * PUT /v2.0/quotas/{project}: admin only, as on the devcloud (15-admin-quota-set-sgr.txt answers
   * the whole quota; 17b-demo-quota-set-forbidden.txt: 403 PolicyNotAuthorized "rule:update_quota
   * is disallowed by policy"). Neutron checks the policy before the body
   * (neutron/extensions/quotasv2.py update).
   */
  private updateQuotas(ctx: RouteContext): WireResponse {
    if (!ctx.token?.roles.includes('admin'))
      this.api.fail(403, 'PolicyNotAuthorized', 'rule:update_quota is disallowed by policy');
    const req = this.api.body(ctx, 'quota');
    const known = Object.keys(this.quotaView(ctx));
    const unknown = Object.keys(req).filter((key) => !known.includes(key));
    if (unknown.length > 0)
      this.api.fail(400, 'HTTPBadRequest', `Unrecognized attribute(s) '${unknown.join(', ')}'`);
    const limits: [string, number][] = Object.entries(req).map(([key, value]) => {
      const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
      // neutron/extensions/quotasv2.py convert_to_int / validate_quota_value.
      const reason = !Number.isInteger(n)
        ? `'${String(value)}' is not an integer`
        : n < -1
          ? `'${n}' is smaller than the minimum of -1`
          : undefined;
      if (reason)
        this.api.fail(400, 'InvalidInput', `Invalid input for ${key}. Reason: ${reason}.`);
      return [key, n];
    });
    const own = ctx.params.projectId === this.api.settings.credentials.projectId;
    if (own) {
      const quota = this.api.settings.quota;
      const stored: Record<string, keyof FakeQuota> = {
        network: 'networks',
        port: 'ports',
        floatingip: 'floatingIps',
        security_group_rule: 'securityGroupRules',
      };
      for (const [key, n] of limits) {
        if (key in stored) quota[stored[key]] = n;
        else this.fixedQuota[key as keyof typeof NEUTRON_FIXED_QUOTA] = n;
      }
    }
    return json(200, { quota: this.quotaView(ctx) });
  }
}
