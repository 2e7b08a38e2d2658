import { InvalidArgumentError } from '../../common/errors';
import type { CallOptions, QueryValue } from '../../session/session-types';
import { definedFields, type OctaviaWriteOptions } from '../octavia-calls';

export interface ListMembersFilters extends CallOptions {
  name?: string;
  address?: string;
  protocolPort?: number;
}

export function buildListMembersQuery(filters: ListMembersFilters): Record<string, QueryValue> {
  return {
    name: filters.name,
    address: filters.address,
    protocol_port: filters.protocolPort,
  };
}

/** One member as created, or as listed in a batch update (the desired state of the pool). */
export interface MemberSpec {
  address: string;
  protocolPort: number;
  name?: string;
  /** 0-256; 0 sends no new connections to it (a drain). Octavia's default 1. */
  weight?: number;
  subnetId?: string;
  adminStateUp?: boolean;
  /** Health-check this address/port instead of the member's own. */
  monitorAddress?: string;
  monitorPort?: number;
  /** Gets traffic only when every non-backup member is down. */
  backup?: boolean;
  tags?: readonly string[];
}

export interface CreateMemberOptions extends OctaviaWriteOptions, MemberSpec {}

export function buildMemberBody(spec: MemberSpec, field: string): Record<string, unknown> {
  if (!spec.address) throw new InvalidArgumentError(`${field}.address`, 'must be an IP address');
  if (!Number.isInteger(spec.protocolPort) || spec.protocolPort < 1 || spec.protocolPort > 65535)
    throw new InvalidArgumentError(
      `${field}.protocolPort`,
      `${String(spec.protocolPort)} is not a port`,
      'allowed: an integer 1-65535',
    );
  if (
    spec.weight !== undefined &&
    (!Number.isInteger(spec.weight) || spec.weight < 0 || spec.weight > 256)
  )
    throw new InvalidArgumentError(
      `${field}.weight`,
      `${String(spec.weight)} is not allowed`,
      'allowed: an integer 0-256 (0 = no new traffic)',
    );
  return definedFields({
    address: spec.address,
    protocol_port: spec.protocolPort,
    name: spec.name,
    weight: spec.weight,
    subnet_id: spec.subnetId,
    admin_state_up: spec.adminStateUp,
    monitor_address: spec.monitorAddress,
    monitor_port: spec.monitorPort,
    backup: spec.backup,
    tags: spec.tags ? [...spec.tags] : undefined,
  });
}

export interface UpdateMemberOptions extends OctaviaWriteOptions {
  name?: string;
  weight?: number;
  adminStateUp?: boolean;
  backup?: boolean;
}

export function buildUpdateMemberBody(options: UpdateMemberOptions): Record<string, unknown> {
  if (
    options.weight !== undefined &&
    (!Number.isInteger(options.weight) || options.weight < 0 || options.weight > 256)
  )
    throw new InvalidArgumentError(
      'updateMember.weight',
      `${String(options.weight)} is not allowed`,
      'allowed: an integer 0-256 (0 = no new traffic)',
    );
  return definedFields({
    name: options.name,
    weight: options.weight,
    admin_state_up: options.adminStateUp,
    backup: options.backup,
  });
}

export interface BatchUpdateMembersOptions extends OctaviaWriteOptions {
  /**
   * Only add and update; never delete members missing from the list (`?additive_only=true`,
   * Octavia 2.11+). Default false: the list is the whole desired pool.
   */
  additiveOnly?: boolean;
}

/** The body of PUT .../members: members are matched by (address, protocol_port). */
export function buildBatchUpdateBody(members: readonly MemberSpec[]): Record<string, unknown> {
  const seen = new Set<string>();
  return {
    members: members.map((m, i) => {
      const key = `${m.address}:${m.protocolPort}`;
      if (seen.has(key))
        throw new InvalidArgumentError(
          `batchUpdate.members[${i}]`,
          `${key} is listed twice`,
          'Octavia matches members by address and port: list each once',
        );
      seen.add(key);
      return buildMemberBody(m, `batchUpdate.members[${i}]`);
    }),
  };
}
