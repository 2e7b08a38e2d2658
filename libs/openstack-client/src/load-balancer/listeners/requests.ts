import { InvalidArgumentError } from '../../common/errors';
import type { CallOptions, QueryValue } from '../../session/session-types';
import { definedFields, type OctaviaWriteOptions } from '../octavia-calls';

export type ListenerProtocol = 'HTTP' | 'HTTPS' | 'TCP' | 'UDP' | 'SCTP' | 'TERMINATED_HTTPS';

export interface ListListenersFilters extends CallOptions {
  name?: string;
  loadBalancerId?: string;
  protocolPort?: number;
}

export function buildListListenersQuery(filters: ListListenersFilters): Record<string, QueryValue> {
  return {
    name: filters.name,
    loadbalancer_id: filters.loadBalancerId,
    protocol_port: filters.protocolPort,
  };
}

export interface CreateListenerOptions extends OctaviaWriteOptions {
  loadBalancerId: string;
  protocol: ListenerProtocol;
  protocolPort: number;
  name?: string;
  description?: string;
  defaultPoolId?: string;
  /** Max concurrent connections; -1 (default) is unlimited. */
  connectionLimit?: number;
  /** e.g. `{"X-Forwarded-For": "true"}`. */
  insertHeaders?: Record<string, string>;
  timeoutClientDataMs?: number;
  timeoutMemberConnectMs?: number;
  timeoutMemberDataMs?: number;
  tags?: readonly string[];
}

export function buildCreateListenerBody(options: CreateListenerOptions): Record<string, unknown> {
  if (!options.loadBalancerId)
    throw new InvalidArgumentError('createListener.loadBalancerId', 'must be a non-empty id');
  if (
    !Number.isInteger(options.protocolPort) ||
    options.protocolPort < 1 ||
    options.protocolPort > 65535
  )
    throw new InvalidArgumentError(
      'createListener.protocolPort',
      `${String(options.protocolPort)} is not a port`,
      'allowed: an integer 1-65535',
    );
  return definedFields({
    loadbalancer_id: options.loadBalancerId,
    protocol: options.protocol,
    protocol_port: options.protocolPort,
    name: options.name,
    description: options.description,
    default_pool_id: options.defaultPoolId,
    connection_limit: options.connectionLimit,
    insert_headers: options.insertHeaders,
    timeout_client_data: options.timeoutClientDataMs,
    timeout_member_connect: options.timeoutMemberConnectMs,
    timeout_member_data: options.timeoutMemberDataMs,
    tags: options.tags ? [...options.tags] : undefined,
  });
}

export interface UpdateListenerOptions extends OctaviaWriteOptions {
  name?: string;
  description?: string;
  /** A pool id, or null to detach the default pool. */
  defaultPoolId?: string | null;
  connectionLimit?: number;
  adminStateUp?: boolean;
}

export function buildUpdateListenerBody(options: UpdateListenerOptions): Record<string, unknown> {
  return definedFields({
    name: options.name,
    description: options.description,
    default_pool_id: options.defaultPoolId,
    connection_limit: options.connectionLimit,
    admin_state_up: options.adminStateUp,
  });
}
