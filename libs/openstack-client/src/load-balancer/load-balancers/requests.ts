import { InvalidArgumentError } from '../../common/errors';
import type { CallOptions, QueryValue } from '../../session/session-types';
import type { OctaviaWriteOptions } from '../octavia-calls';
import { definedFields } from '../octavia-calls';

export interface ListLoadBalancersFilters extends CallOptions {
  name?: string;
  /** Objects carrying every one of these tags (Octavia 2.5+). */
  tags?: readonly string[];
  provisioningStatus?: string;
}

export function buildListLoadBalancersQuery(
  filters: ListLoadBalancersFilters,
): Record<string, QueryValue> {
  return {
    name: filters.name,
    tags: filters.tags?.length ? filters.tags.join(',') : undefined,
    provisioning_status: filters.provisioningStatus,
  };
}

export interface CreateLoadBalancerOptions extends OctaviaWriteOptions {
  name: string;
  /** The VIP is a port on this subnet (or give vipNetworkId / vipPortId). */
  vipSubnetId?: string;
  vipNetworkId?: string;
  vipPortId?: string;
  vipAddress?: string;
  description?: string;
  provider?: string;
  tags?: readonly string[];
  adminStateUp?: boolean;
}

export function buildCreateLoadBalancerBody(
  options: CreateLoadBalancerOptions,
): Record<string, unknown> {
  if (!options.name)
    throw new InvalidArgumentError('createLoadBalancer.name', 'must be a non-empty string');
  if (!options.vipSubnetId && !options.vipNetworkId && !options.vipPortId) {
    throw new InvalidArgumentError(
      'createLoadBalancer.vipSubnetId',
      'is required',
      'give vipSubnetId, vipNetworkId or vipPortId: the VIP needs a place on a network',
    );
  }
  return definedFields({
    name: options.name,
    description: options.description,
    vip_subnet_id: options.vipSubnetId,
    vip_network_id: options.vipNetworkId,
    vip_port_id: options.vipPortId,
    vip_address: options.vipAddress,
    provider: options.provider,
    tags: options.tags ? [...options.tags] : undefined,
    admin_state_up: options.adminStateUp,
  });
}

export interface UpdateLoadBalancerOptions extends OctaviaWriteOptions {
  name?: string;
  description?: string;
  tags?: readonly string[];
  adminStateUp?: boolean;
}

export function buildUpdateLoadBalancerBody(
  options: UpdateLoadBalancerOptions,
): Record<string, unknown> {
  return definedFields({
    name: options.name,
    description: options.description,
    tags: options.tags ? [...options.tags] : undefined,
    admin_state_up: options.adminStateUp,
  });
}
