import type { CallOptions } from '../../session/session-types';
import { ConflictError, NotFoundError } from '../../common/errors';
import type { ResourceList } from '../../common/pagination';
import type { DeleteOptions } from '../../compute/servers/requests';
import type { Session } from '../../session/session';
import { neutronDelete, neutronGet, neutronList, neutronWrite } from '../neutron-collection';
import { readJsonObject } from '../../common/wire';
import {
  buildSecurityGroupUpdate,
  type UpdateSecurityGroupOptions,
  buildListSecurityGroupRulesQuery,
  buildListSecurityGroupsQuery,
  buildSecurityGroupRuleBody,
  type CreateSecurityGroupRuleOptions,
  type ListSecurityGroupRulesFilters,
  type ListSecurityGroupsFilters,
} from './requests';
import {
  existingRuleIdFrom,
  parseSecurityGroup,
  parseSecurityGroupRule,
  type CreateSecurityGroupRuleResult,
  type SecurityGroup,
  type SecurityGroupRule,
} from './results';
import * as urls from './urls';

export class SecurityGroupsApi {
  constructor(private readonly session: Session) {}

  list(filters: ListSecurityGroupsFilters = {}): ResourceList<SecurityGroup> {
    return neutronList(
      this.session,
      urls.securityGroupsUrl(),
      'security_groups',
      buildListSecurityGroupsQuery(filters),
      parseSecurityGroup,
      filters.signal,
    );
  }

  async get(securityGroupId: string, options: CallOptions = {}): Promise<SecurityGroup> {
    return neutronGet(
      this.session,
      urls.securityGroupUrl(securityGroupId),
      'security_group',
      parseSecurityGroup,
      options.signal,
    );
  }

  /**
   * POST /v2.0/security-groups. Neutron adds the two default egress rules (IPv4, IPv6) to a new
   * group; it has no ingress rule until one is created.
   */
  async create(
    name: string,
    options: CallOptions & { description?: string } = {},
  ): Promise<SecurityGroup> {
    return neutronWrite(
      this.session,
      'POST',
      urls.securityGroupsUrl(),
      'security_group',
      { name, ...(options.description !== undefined ? { description: options.description } : {}) },
      parseSecurityGroup,
      options.signal,
    );
  }

  /**
   * PUT /v2.0/security-groups/{id}; with `ifMatchRevision` a compare-and-set that throws
   * PreconditionFailedError (412) when the group changed since that revision.
   */
  async update(
    securityGroupId: string,
    options: UpdateSecurityGroupOptions,
  ): Promise<SecurityGroup> {
    const { body, headers } = buildSecurityGroupUpdate(options);
    const res = await this.session.request('network', {
      method: 'PUT',
      path: urls.securityGroupUrl(securityGroupId),
      json: { security_group: body },
      headers,
      signal: options.signal,
    });
    const { wire, root } = readJsonObject(res);
    return parseSecurityGroup(wire, wire.object(root, 'security_group', 'body'), 'security_group');
  }

  /** DELETE (its rules go with it); false when already gone (ignoreMissing, default true). */
  async delete(securityGroupId: string, options: DeleteOptions = {}): Promise<boolean> {
    return neutronDelete(
      this.session,
      urls.securityGroupUrl(securityGroupId),
      options.ignoreMissing ?? true,
      options.signal,
    );
  }

  /** The project's `default` group (the token's project unless `projectId` is given). */
  async findDefault(projectId?: string, options: CallOptions = {}): Promise<SecurityGroup> {
    const project = projectId ?? (await this.session.token()).projectId;
    const groups = await this.list({
      name: 'default',
      projectId: project,
      signal: options.signal,
    }).toArray();
    const mine = groups.filter(
      (g) =>
        g.name === 'default' &&
        (project === undefined || g.projectId === undefined || g.projectId === project),
    );
    if (mine.length === 0) {
      throw new NotFoundError({
        status: 404,
        service: 'network',
        method: 'GET',
        url: urls.securityGroupsUrl(),
        serverMessage: `project ${project ?? '(token project)'} has no security group named "default"`,
      });
    }
    return mine[0];
  }
}

export class SecurityGroupRulesApi {
  constructor(private readonly session: Session) {}

  list(filters: ListSecurityGroupRulesFilters = {}): ResourceList<SecurityGroupRule> {
    return neutronList(
      this.session,
      urls.securityGroupRulesUrl(),
      'security_group_rules',
      buildListSecurityGroupRulesQuery(filters),
      parseSecurityGroupRule,
      filters.signal,
    );
  }

  /**
   * POST /v2.0/security-group-rules. Neutron's 409 `SecurityGroupRuleExists` means the rule is
   * already there: that is success, returned as `{ alreadyExists: true, existingRuleId }`.
   * (Neutron's 409 `OverQuota` is a QuotaExceededError.)
   */
  async create(options: CreateSecurityGroupRuleOptions): Promise<CreateSecurityGroupRuleResult> {
    try {
      const rule = await neutronWrite(
        this.session,
        'POST',
        urls.securityGroupRulesUrl(),
        'security_group_rule',
        buildSecurityGroupRuleBody(options),
        parseSecurityGroupRule,
        options.signal,
      );
      return { alreadyExists: false, rule };
    } catch (err) {
      if (err instanceof ConflictError && err.errorType === 'SecurityGroupRuleExists') {
        return { alreadyExists: true, existingRuleId: existingRuleIdFrom(err.serverMessage) };
      }
      throw err;
    }
  }

  /** DELETE; false when already gone (ignoreMissing, default true). */
  async delete(ruleId: string, options: DeleteOptions = {}): Promise<boolean> {
    return neutronDelete(
      this.session,
      urls.securityGroupRuleUrl(ruleId),
      options.ignoreMissing ?? true,
      options.signal,
    );
  }
}
