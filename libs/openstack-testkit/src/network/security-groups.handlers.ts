// Neutron security groups and their rules: the project's `default` group (undeletable), create,
// delete (refused while in use), rules with Neutron's checks and its duplicate-rule 409; update
// (PUT) with Neutron's revision_number (bumped on every change of the group or its rules) and the
// `revision-if-match` compare-and-set: `If-Match: revision_number=N` -> 412 when N is stale.
import type { FakeSecurityGroup, FakeSecurityGroupRule } from '../fake-openstack.types';
import { addDefaultRules, newSecurityGroup, newSecurityGroupRule } from '../state/cloud-state';
import {
  securityGroupRuleView,
  securityGroupView,
} from '../fixtures/neutron-resources-show-response.v2.0';
import { isIpv4Cidr } from './ip-ranges';
import { empty, json, type RouteContext, type Router, type WireResponse } from '../http/wire';
import type { NeutronApi } from './network.service';

export class SecurityGroupsHandlers {
  constructor(private readonly api: NeutronApi) {}

  register(router: Router): void {
    const { state } = this.api.settings;
    router
      .add('GET', '/v2.0/security-groups', (ctx) =>
        this.api.list(
          ctx,
          'security_groups',
          [...state.securityGroups.values()].map((g) => securityGroupView(g, this.rulesOf(g.id))),
        ),
      )
      .add('GET', '/v2.0/security-groups/:id', (ctx) => {
        const group = this.securityGroup(ctx.params.id);
        return json(200, { security_group: securityGroupView(group, this.rulesOf(group.id)) });
      })
      .add('POST', '/v2.0/security-groups', (ctx) => this.createSecurityGroup(ctx))
      .add('PUT', '/v2.0/security-groups/:id', (ctx) => this.updateSecurityGroup(ctx))
      .add('DELETE', '/v2.0/security-groups/:id', (ctx) => this.deleteSecurityGroup(ctx))
      .add('GET', '/v2.0/security-group-rules', (ctx) =>
        this.api.list(
          ctx,
          'security_group_rules',
          [...state.securityGroupRules.values()].map((r) => securityGroupRuleView(r)),
        ),
      )
      .add('GET', '/v2.0/security-group-rules/:id', (ctx) =>
        json(200, { security_group_rule: securityGroupRuleView(this.rule(ctx)) }),
      )
      .add('POST', '/v2.0/security-group-rules', (ctx) => this.createRule(ctx))
      .add('DELETE', '/v2.0/security-group-rules/:id', (ctx) => {
        const rule = this.rule(ctx);
        state.securityGroupRules.delete(rule.id);
        this.bumpRevision(rule.securityGroupId);
        return empty(204);
      });
  }

  private rulesOf(groupId: string): FakeSecurityGroupRule[] {
    return [...this.api.settings.state.securityGroupRules.values()].filter(
      (r) => r.securityGroupId === groupId,
    );
  }

  private securityGroup(id: string): FakeSecurityGroup {
    const group = this.api.settings.state.securityGroups.get(id);
    if (!group) this.api.fail(404, 'SecurityGroupNotFound', `Security group ${id} does not exist`);
    return group;
  }

  private createSecurityGroup(ctx: RouteContext): WireResponse {
    const req = this.api.body(ctx, 'security_group');
    const { state, credentials } = this.api.settings;
    if (req.name === 'default')
      this.api.fail(
        409,
        'SecurityGroupDefaultAlreadyExists',
        'Default security group already exists.',
      );
    const group = newSecurityGroup({
      name: typeof req.name === 'string' ? req.name : '',
      projectId: credentials.projectId,
      description: typeof req.description === 'string' ? req.description : '',
      stateful: req.stateful !== false,
    });
    state.securityGroups.set(group.id, group);
    addDefaultRules(state, group, false);
    return json(201, { security_group: securityGroupView(group, this.rulesOf(group.id)) });
  }

  /**
   * PUT: name/description. `If-Match: revision_number=N` (neutron/api/v2/base.py, the
   * revision-if-match extension) is checked first: a malformed value is 400, a stale one 412
   * RevisionNumberConstraintFailed with Neutron's own message, and nothing changes.
   */
  private updateSecurityGroup(ctx: RouteContext): WireResponse {
    const group = this.securityGroup(ctx.params.id);
    const ifMatch = ctx.headers['if-match'];
    if (typeof ifMatch === 'string') {
      const match = /^revision_number=(\d+)$/.exec(ifMatch.trim());
      if (!match)
        this.api.fail(
          400,
          'BadRequest',
          'Bad if-match request: Revision number etag must be in the format of revision_number=<int>.',
        );
      const wanted = Number(match[1]);
      if (wanted !== group.revisionNumber)
        this.api.fail(
          412,
          'RevisionNumberConstraintFailed',
          `Constrained to ${wanted}, but current revision is ${group.revisionNumber}`,
        );
    }
    const req = this.api.body(ctx, 'security_group');
    if (req.name !== undefined) {
      if (typeof req.name !== 'string')
        this.api.invalid(`'${String(req.name)}' is not a valid string`);
      if (group.name === 'default' && req.name !== 'default')
        this.api.fail(
          409,
          'SecurityGroupCannotUpdateDefault',
          'Updating default security group not allowed.',
        );
      group.name = req.name;
    }
    if (req.description !== undefined) {
      if (typeof req.description !== 'string' || req.description.length > 255)
        this.api.invalid(`'${String(req.description)}' exceeds maximum length of 255`);
      group.description = req.description;
    }
    this.bumpRevision(group.id);
    return json(200, { security_group: securityGroupView(group, this.rulesOf(group.id)) });
  }

  /** Neutron bumps a group's revision on every change to it or to one of its rules. */
  private bumpRevision(groupId: string): void {
    const group = this.api.settings.state.securityGroups.get(groupId);
    if (!group) return;
    group.revisionNumber++;
    group.updatedAt = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  }

  private deleteSecurityGroup(ctx: RouteContext): WireResponse {
    const group = this.securityGroup(ctx.params.id);
    const { state } = this.api.settings;
    if (group.name === 'default')
      this.api.fail(
        409,
        'SecurityGroupCannotRemoveDefault',
        'Insufficient rights for removing default security group.',
      );
    if ([...state.ports.values()].some((p) => p.securityGroupIds.includes(group.id))) {
      this.api.fail(409, 'SecurityGroupInUse', `Security Group ${group.id} in use.`);
    }
    for (const rule of this.rulesOf(group.id)) state.securityGroupRules.delete(rule.id);
    state.securityGroups.delete(group.id);
    return empty(204);
  }

  private rule(ctx: RouteContext): FakeSecurityGroupRule {
    const rule = this.api.settings.state.securityGroupRules.get(ctx.params.id);
    if (!rule)
      this.api.fail(
        404,
        'SecurityGroupRuleNotFound',
        `Security group rule ${ctx.params.id} does not exist`,
      );
    return rule;
  }

  private createRule(ctx: RouteContext): WireResponse {
    const req = this.api.body(ctx, 'security_group_rule');
    const { state, quota, credentials } = this.api.settings;
    this.api.requireString(req, 'security_group_id');
    const group = this.securityGroup(req.security_group_id);
    if (req.direction !== 'ingress' && req.direction !== 'egress') {
      this.api.invalid(`${String(req.direction)} is not in valid_values ['ingress', 'egress'].`);
    }
    const ethertype = req.ethertype ?? 'IPv4';
    if (ethertype !== 'IPv4' && ethertype !== 'IPv6')
      this.api.invalid(`${String(ethertype)} is not in valid_values ['IPv4', 'IPv6'].`);
    const protocol =
      req.protocol === undefined || req.protocol === null
        ? null
        : String(req.protocol).toLowerCase();
    const portMin =
      req.port_range_min === undefined || req.port_range_min === null
        ? null
        : Number(req.port_range_min);
    const portMax =
      req.port_range_max === undefined || req.port_range_max === null
        ? null
        : Number(req.port_range_max);
    if (
      (portMin !== null || portMax !== null) &&
      (protocol === null || !['tcp', 'udp', '6', '17', 'icmp', '1'].includes(protocol))
    ) {
      this.api.fail(
        400,
        'SecurityGroupProtocolRequiredWithPorts',
        'Must also specify protocol if port range is given.',
      );
    }
    if (protocol === 'tcp' || protocol === 'udp') {
      for (const port of [portMin, portMax]) {
        if (port !== null && (!Number.isInteger(port) || port < 1 || port > 65535)) {
          this.api.fail(
            400,
            'SecurityGroupInvalidPortValue',
            `Invalid value for port ${String(port)}.`,
          );
        }
      }
      if (portMin !== null && portMax !== null && portMin > portMax) {
        this.api.fail(
          400,
          'SecurityGroupInvalidPortRange',
          'For TCP/UDP protocols, port_range_min must be <= port_range_max',
        );
      }
    }
    const remoteIpPrefix = typeof req.remote_ip_prefix === 'string' ? req.remote_ip_prefix : null;
    if (remoteIpPrefix !== null && ethertype === 'IPv4' && !isIpv4Cidr(remoteIpPrefix)) {
      this.api.invalid(`'${remoteIpPrefix}' is not a valid IP subnet.`);
    }
    const remoteGroupId = typeof req.remote_group_id === 'string' ? req.remote_group_id : null;
    if (remoteGroupId !== null && remoteIpPrefix !== null) {
      this.api.fail(
        400,
        'SecurityGroupRemoteGroupAndRemoteIpPrefix',
        'Only remote_ip_prefix or remote_group_id may be provided.',
      );
    }
    const candidate = newSecurityGroupRule({
      securityGroupId: group.id,
      projectId: credentials.projectId,
      direction: req.direction,
      ethertype,
      protocol,
      portRangeMin: portMin,
      portRangeMax:
        portMax ??
        (portMin !== null && (protocol === 'tcp' || protocol === 'udp') ? portMin : null),
      remoteIpPrefix,
      remoteGroupId,
      description: typeof req.description === 'string' ? req.description : '',
    });
    // Neutron compares every attribute but the description (neutron/db/securitygroups_db.py
    // _check_for_duplicate_rules); 0.0.0.0/0 and no prefix are the same rule.
    const normal = (prefix: string | null): string | null =>
      prefix === '0.0.0.0/0' || prefix === '::/0' ? null : prefix;
    const duplicate = this.rulesOf(group.id).find(
      (r) =>
        r.direction === candidate.direction &&
        r.ethertype === candidate.ethertype &&
        r.protocol === candidate.protocol &&
        r.portRangeMin === candidate.portRangeMin &&
        r.portRangeMax === candidate.portRangeMax &&
        normal(r.remoteIpPrefix) === normal(candidate.remoteIpPrefix) &&
        r.remoteGroupId === candidate.remoteGroupId,
    );
    if (duplicate)
      this.api.fail(
        409,
        'SecurityGroupRuleExists',
        `Security group rule already exists. Rule id is ${duplicate.id}.`,
      );
    if (state.securityGroupRules.size >= quota.securityGroupRules)
      this.api.overQuota('security_group_rule');
    state.securityGroupRules.set(candidate.id, candidate);
    this.bumpRevision(group.id);
    return json(201, { security_group_rule: securityGroupRuleView(candidate) });
  }
}
