import type { CallOptions } from '../../session/session-types';
import { InvalidArgumentError } from '../../common/errors';
import type { QueryValue } from '../../session/session-types';

export interface ListSecurityGroupsFilters extends CallOptions {
  name?: string;
  projectId?: string;
}

/**
 * PUT /v2.0/security-groups/{id}. With `ifMatchRevision` the update is a compare-and-set: Neutron
 * (extension `revision-if-match`) applies it only while the group's `revision_number` is still
 * that value, else answers 412 (PreconditionFailedError) and changes nothing.
 */
export interface UpdateSecurityGroupOptions extends CallOptions {
  name?: string;
  description?: string;
  ifMatchRevision?: number;
}

export function buildSecurityGroupUpdate(options: UpdateSecurityGroupOptions): {
  body: Record<string, unknown>;
  headers: Record<string, string>;
} {
  checkDescription(options.description);
  const body: Record<string, unknown> = {};
  if (options.name !== undefined) body['name'] = options.name;
  if (options.description !== undefined) body['description'] = options.description;
  if (Object.keys(body).length === 0)
    throw new InvalidArgumentError(
      'securityGroup',
      'nothing to update',
      'give name or description',
    );
  const headers: Record<string, string> = {};
  if (options.ifMatchRevision !== undefined) {
    if (!Number.isInteger(options.ifMatchRevision) || options.ifMatchRevision < 0)
      throw new InvalidArgumentError(
        'securityGroup.ifMatchRevision',
        `${String(options.ifMatchRevision)} is not a revision number`,
        'allowed: an integer from 0',
      );
    headers['If-Match'] = `revision_number=${options.ifMatchRevision}`;
  }
  return { body, headers };
}

/** Neutron's description attribute holds at most 255 characters. */
function checkDescription(description: string | undefined): void {
  if (description !== undefined && (typeof description !== 'string' || description.length > 255))
    throw new InvalidArgumentError(
      'securityGroup.description',
      'must be a string of at most 255 characters',
    );
}

export interface ListSecurityGroupRulesFilters extends CallOptions {
  securityGroupId?: string;
  direction?: 'ingress' | 'egress';
  protocol?: string;
}

export interface CreateSecurityGroupRuleOptions extends CallOptions {
  securityGroupId: string;
  direction: 'ingress' | 'egress';
  /** Default IPv4. */
  ethertype?: 'IPv4' | 'IPv6';
  /** tcp, udp, icmp, ... or a protocol number; omitted means any. */
  protocol?: string;
  portRangeMin?: number;
  portRangeMax?: number;
  remoteIpPrefix?: string;
  remoteGroupId?: string;
  description?: string;
}

export function buildListSecurityGroupsQuery(
  filters: ListSecurityGroupsFilters,
): Record<string, QueryValue> {
  return { name: filters.name, project_id: filters.projectId };
}

export function buildListSecurityGroupRulesQuery(
  filters: ListSecurityGroupRulesFilters,
): Record<string, QueryValue> {
  return {
    security_group_id: filters.securityGroupId,
    direction: filters.direction,
    protocol: filters.protocol,
  };
}

function checkPort(value: number | undefined, field: string): void {
  if (value !== undefined && (!Number.isInteger(value) || value < 0 || value > 65535)) {
    throw new InvalidArgumentError(
      field,
      `${value} is not a port number`,
      'allowed: an integer from 0 to 65535',
    );
  }
}

/** POST /v2.0/security-group-rules body (`security_group_rule` envelope added by the caller). */
export function buildSecurityGroupRuleBody(
  options: CreateSecurityGroupRuleOptions,
): Record<string, unknown> {
  if (!options.securityGroupId)
    throw new InvalidArgumentError('securityGroupRule.securityGroupId', 'is required');
  if (options.direction !== 'ingress' && options.direction !== 'egress') {
    throw new InvalidArgumentError(
      'securityGroupRule.direction',
      `"${String(options.direction)}" is not allowed`,
      'allowed: ingress, egress',
    );
  }
  checkPort(options.portRangeMin, 'securityGroupRule.portRangeMin');
  checkPort(options.portRangeMax, 'securityGroupRule.portRangeMax');
  if (
    options.portRangeMin !== undefined &&
    options.portRangeMax !== undefined &&
    options.portRangeMin > options.portRangeMax
  ) {
    throw new InvalidArgumentError(
      'securityGroupRule.portRangeMin',
      `${options.portRangeMin} is above portRangeMax ${options.portRangeMax}`,
    );
  }
  if (options.remoteIpPrefix && options.remoteGroupId) {
    throw new InvalidArgumentError(
      'securityGroupRule',
      'give remoteIpPrefix or remoteGroupId, not both',
    );
  }
  const body: Record<string, unknown> = {
    security_group_id: options.securityGroupId,
    direction: options.direction,
    ethertype: options.ethertype ?? 'IPv4',
  };
  if (options.protocol !== undefined) body['protocol'] = options.protocol;
  if (options.portRangeMin !== undefined) body['port_range_min'] = options.portRangeMin;
  if (options.portRangeMax !== undefined) body['port_range_max'] = options.portRangeMax;
  if (options.remoteIpPrefix !== undefined) body['remote_ip_prefix'] = options.remoteIpPrefix;
  if (options.remoteGroupId !== undefined) body['remote_group_id'] = options.remoteGroupId;
  if (options.description !== undefined) body['description'] = options.description;
  return body;
}
