import type { CallOptions } from '../../session/session-types';
import { InvalidArgumentError } from '../../common/errors';
import type { QueryValue } from '../../session/session-types';

export interface ListFloatingIpsFilters extends CallOptions {
  portId?: string;
  floatingNetworkId?: string;
  floatingIpAddress?: string;
  fixedIpAddress?: string;
  status?: string;
}

export interface CreateFloatingIpOptions extends CallOptions {
  /** The external network to allocate from. */
  floatingNetworkId: string;
  /** Associate at once with this port. */
  portId?: string;
  fixedIpAddress?: string;
  description?: string;
}

export interface AssociateFloatingIpOptions extends CallOptions {
  portId: string;
  /** Needed when the port has several fixed IPs. */
  fixedIpAddress?: string;
}

export function buildListFloatingIpsQuery(
  filters: ListFloatingIpsFilters,
): Record<string, QueryValue> {
  return {
    port_id: filters.portId,
    floating_network_id: filters.floatingNetworkId,
    floating_ip_address: filters.floatingIpAddress,
    fixed_ip_address: filters.fixedIpAddress,
    status: filters.status,
  };
}

export function buildCreateFloatingIpBody(
  options: CreateFloatingIpOptions,
): Record<string, unknown> {
  if (!options.floatingNetworkId)
    throw new InvalidArgumentError(
      'createFloatingIp.floatingNetworkId',
      'is required (the external network id)',
    );
  const body: Record<string, unknown> = { floating_network_id: options.floatingNetworkId };
  if (options.portId) body['port_id'] = options.portId;
  if (options.fixedIpAddress) body['fixed_ip_address'] = options.fixedIpAddress;
  if (options.description !== undefined) body['description'] = options.description;
  return body;
}

export function buildAssociateBody(
  options: AssociateFloatingIpOptions | null,
): Record<string, unknown> {
  if (options === null) return { port_id: null };
  if (!options.portId) throw new InvalidArgumentError('associateFloatingIp.portId', 'is required');
  const body: Record<string, unknown> = { port_id: options.portId };
  if (options.fixedIpAddress) body['fixed_ip_address'] = options.fixedIpAddress;
  return body;
}
