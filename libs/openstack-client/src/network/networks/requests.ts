import type { CallOptions } from '../../session/session-types';
import { InvalidArgumentError } from '../../common/errors';
import type { QueryValue } from '../../session/session-types';

export interface ListNetworksFilters extends CallOptions {
  name?: string;
  /** `router:external`. */
  external?: boolean;
  shared?: boolean;
  projectId?: string;
  status?: string;
}

export function buildListNetworksQuery(filters: ListNetworksFilters): Record<string, QueryValue> {
  return {
    name: filters.name,
    'router:external': filters.external,
    shared: filters.shared,
    project_id: filters.projectId,
    status: filters.status,
  };
}

/**
 * POST /v2.0/networks (Networking API v2.0 "Create network"; sample
 * neutron-lib api-ref/source/v2/samples/networks/network-create-request.json). Only what is
 * given is sent: Neutron fills in the rest (admin_state_up true, shared false, the cloud's MTU).
 */
export interface CreateNetworkOptions extends CallOptions {
  /** Up to 255 characters. Neutron does not keep names unique: `find()` refuses duplicates. */
  name: string;
  /** `admin_state_up`; Neutron's default is true. */
  adminStateUp?: boolean;
  description?: string;
  /** Visible to every project (usually admin-only by policy). */
  shared?: boolean;
  /** Bytes; omitted means the cloud's default for the network type. */
  mtu?: number;
  /** `port_security_enabled` (port-security extension); Neutron's default is true. */
  portSecurityEnabled?: boolean;
}

const MAX_NAME_CHARS = 255;

/** The `network` object of POST /v2.0/networks (the envelope is added by the caller). */
export function buildCreateNetworkBody(options: CreateNetworkOptions): Record<string, unknown> {
  if (typeof options?.name !== 'string') {
    throw new InvalidArgumentError('createNetwork.name', 'is required (a string)');
  }
  if (options.name.length > MAX_NAME_CHARS) {
    throw new InvalidArgumentError(
      'createNetwork.name',
      `is ${options.name.length} characters long`,
      `allowed: at most ${MAX_NAME_CHARS}`,
    );
  }
  checkBoolean(options.adminStateUp, 'createNetwork.adminStateUp');
  checkBoolean(options.shared, 'createNetwork.shared');
  checkBoolean(options.portSecurityEnabled, 'createNetwork.portSecurityEnabled');
  if (options.mtu !== undefined && (!Number.isInteger(options.mtu) || options.mtu < 68)) {
    throw new InvalidArgumentError(
      'createNetwork.mtu',
      `${options.mtu} is not a usable MTU`,
      'allowed: an integer of at least 68 bytes (the IPv4 minimum), or omit it for the default',
    );
  }
  const body: Record<string, unknown> = { name: options.name };
  if (options.adminStateUp !== undefined) body['admin_state_up'] = options.adminStateUp;
  if (options.description !== undefined) body['description'] = options.description;
  if (options.shared !== undefined) body['shared'] = options.shared;
  if (options.mtu !== undefined) body['mtu'] = options.mtu;
  if (options.portSecurityEnabled !== undefined)
    body['port_security_enabled'] = options.portSecurityEnabled;
  return body;
}

function checkBoolean(value: unknown, field: string): void {
  if (value !== undefined && typeof value !== 'boolean') {
    throw new InvalidArgumentError(field, `${JSON.stringify(value)} is not a boolean`);
  }
}
