// Nova os-server-groups: create, list, show, delete, with the shape of the negotiated
// microversion (nova doc/api_samples/os-server-groups/ and v2.64/; checked on the Debian Zed
// devcloud): below 2.64 `policies` (a one-item list) and `metadata`; from 2.64 `policy` and
// `rules`; `project_id`/`user_id` from 2.13. Soft policies exist from 2.15 (below, Nova's schema
// says "'soft-anti-affinity' is not one of ['anti-affinity', 'affinity']"). Members are the
// servers booted with the group's id as `os:scheduler_hints.group` that still exist.
import { randomUUID } from 'node:crypto';
import type { FakeServerGroup } from '../fake-openstack.types';
import {
  empty,
  isRecord,
  json,
  parseJsonBody,
  type RouteContext,
  type Router,
  type WireResponse,
} from '../http/wire';
import { atLeast, type Microversion } from './microversion';
import type { ComputeApi } from './compute.service';

const ALL_POLICIES = ['anti-affinity', 'affinity', 'soft-anti-affinity', 'soft-affinity'] as const;
const HARD_POLICIES = ['anti-affinity', 'affinity'] as const;

export class ServerGroupsHandlers {
  constructor(private readonly api: ComputeApi) {}

  register(router: Router): void {
    const base = '/v2.1/os-server-groups';
    router
      .add('POST', base, (ctx) => this.create(ctx))
      .add('GET', base, (ctx) => this.list(ctx))
      .add('GET', `${base}/:id`, (ctx) =>
        json(200, { server_group: this.view(this.find(ctx), this.api.version(ctx)) }),
      )
      .add('DELETE', `${base}/:id`, (ctx) => {
        this.api.settings.state.serverGroups.delete(this.find(ctx).id);
        return empty(204);
      });
  }

  /** Servers in the group now (not deleted). */
  members(groupId: string): string[] {
    const { state, lifecycle } = this.api.settings;
    return [...state.servers.values()]
      .filter(
        (s) => s.serverGroupId === groupId && s.status !== 'DELETED' && !lifecycle.isDeleting(s.id),
      )
      .map((s) => s.id);
  }

  private create(ctx: RouteContext): WireResponse {
    const v = this.api.version(ctx);
    const body = parseJsonBody(ctx, () => this.api.error(400, 'Malformed request body', ctx));
    if (!isRecord(body) || !isRecord(body.server_group))
      this.bad(ctx, "'server_group' is a required property");
    const req = body.server_group;
    const name = req.name;
    if (typeof name !== 'string' || name.trim() === '' || name.length > 255)
      this.bad(
        ctx,
        `Invalid input for field/attribute name. Value: ${String(name)}. '${String(name)}' is not a valid name`,
      );
    const allowed: readonly string[] = atLeast(v, '2.15') ? ALL_POLICIES : HARD_POLICIES;
    const listText = `[${allowed.map((p) => `'${p}'`).join(', ')}]`;
    let policy: unknown;
    let rules: FakeServerGroup['rules'] = {};
    if (atLeast(v, '2.64')) {
      if ('policies' in req)
        this.bad(ctx, "Additional properties are not allowed ('policies' was unexpected)");
      policy = req.policy;
      if (typeof policy !== 'string' || !allowed.includes(policy))
        this.bad(
          ctx,
          `Invalid input for field/attribute policy. Value: ${String(policy)}. '${String(policy)}' is not one of ${listText}`,
        );
      if (req.rules !== undefined) {
        if (!isRecord(req.rules)) this.bad(ctx, `Invalid input for field/attribute rules.`);
        const max = req.rules.max_server_per_host;
        if (max !== undefined) {
          if (policy !== 'anti-affinity')
            this.bad(ctx, `Only anti-affinity policy supports "max_server_per_host" rule.`);
          const n = Number(max);
          if (!Number.isInteger(n) || n < 1)
            this.bad(ctx, `Invalid input for field/attribute max_server_per_host.`);
          rules = { max_server_per_host: n };
        }
      }
    } else {
      const policies = req.policies;
      if (!Array.isArray(policies) || policies.length !== 1)
        this.bad(
          ctx,
          'Invalid input for field/attribute policies. Value: ' + JSON.stringify(policies),
        );
      policy = policies[0];
      if (typeof policy !== 'string' || !allowed.includes(policy))
        this.bad(
          ctx,
          `Invalid input for field/attribute 0. Value: ${String(policy)}. '${String(policy)}' is not one of ${listText}`,
        );
    }
    const { state, credentials } = this.api.settings;
    const group: FakeServerGroup = {
      id: randomUUID(),
      name,
      policy: policy as FakeServerGroup['policy'],
      rules,
      projectId: credentials.projectId,
      userId: credentials.userId,
    };
    state.serverGroups.set(group.id, group);
    return json(200, { server_group: this.view(group, v) });
  }

  private list(ctx: RouteContext): WireResponse {
    const v = this.api.version(ctx);
    const groups = [...this.api.settings.state.serverGroups.values()];
    return json(200, { server_groups: groups.map((g) => this.view(g, v)) });
  }

  private view(group: FakeServerGroup, v: Microversion): Record<string, unknown> {
    const members = this.members(group.id);
    if (atLeast(v, '2.64')) {
      return {
        id: group.id,
        name: group.name,
        policy: group.policy,
        rules: { ...group.rules },
        members,
        project_id: group.projectId,
        user_id: group.userId,
      };
    }
    return {
      id: group.id,
      name: group.name,
      policies: [group.policy],
      members,
      ...(atLeast(v, '2.13') ? { project_id: group.projectId, user_id: group.userId } : {}),
      metadata: {},
    };
  }

  private find(ctx: RouteContext): FakeServerGroup {
    const group = this.api.settings.state.serverGroups.get(ctx.params.id);
    if (!group) this.api.fail(404, `Instance group ${ctx.params.id} could not be found.`, ctx);
    return group;
  }

  private bad(ctx: RouteContext, message: string): never {
    return this.api.fail(400, message, ctx);
  }
}
