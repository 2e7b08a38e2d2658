import { InvalidArgumentError } from '../../common/errors';
import type { CallOptions, QueryValue } from '../../session/session-types';
import { definedFields, type OctaviaWriteOptions } from '../octavia-calls';

export type PoolProtocol = 'HTTP' | 'HTTPS' | 'TCP' | 'UDP' | 'SCTP' | 'PROXY' | 'PROXYV2';
export type LbAlgorithm = 'ROUND_ROBIN' | 'LEAST_CONNECTIONS' | 'SOURCE_IP' | 'SOURCE_IP_PORT';

export interface ListPoolsFilters extends CallOptions {
  name?: string;
  loadBalancerId?: string;
}

export function buildListPoolsQuery(filters: ListPoolsFilters): Record<string, QueryValue> {
  return { name: filters.name, loadbalancer_id: filters.loadBalancerId };
}

export interface CreatePoolOptions extends OctaviaWriteOptions {
  protocol: PoolProtocol;
  lbAlgorithm: LbAlgorithm;
  /** The listener whose default pool this becomes (or give loadBalancerId). */
  listenerId?: string;
  loadBalancerId?: string;
  name?: string;
  description?: string;
  tags?: readonly string[];
}

export function buildCreatePoolBody(options: CreatePoolOptions): Record<string, unknown> {
  if (!options.listenerId && !options.loadBalancerId)
    throw new InvalidArgumentError(
      'createPool.listenerId',
      'is required',
      'give listenerId (the pool becomes its default pool) or loadBalancerId',
    );
  return definedFields({
    protocol: options.protocol,
    lb_algorithm: options.lbAlgorithm,
    listener_id: options.listenerId,
    loadbalancer_id: options.loadBalancerId,
    name: options.name,
    description: options.description,
    tags: options.tags ? [...options.tags] : undefined,
  });
}

export interface UpdatePoolOptions extends OctaviaWriteOptions {
  name?: string;
  description?: string;
  lbAlgorithm?: LbAlgorithm;
  adminStateUp?: boolean;
}

export function buildUpdatePoolBody(options: UpdatePoolOptions): Record<string, unknown> {
  return definedFields({
    name: options.name,
    description: options.description,
    lb_algorithm: options.lbAlgorithm,
    admin_state_up: options.adminStateUp,
  });
}
