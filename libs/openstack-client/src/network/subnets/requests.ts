import type { CallOptions } from '../../session/session-types';
import { InvalidArgumentError } from '../../common/errors';
import type { QueryValue } from '../../session/session-types';
import {
  cidrContains,
  compareIpAddresses,
  parseCidr,
  parseIpAddress,
  type IpAddress,
  type IpVersion,
} from '../ip-address';

export interface ListSubnetsFilters extends CallOptions {
  name?: string;
  networkId?: string;
  ipVersion?: 4 | 6;
  projectId?: string;
}

export function buildListSubnetsQuery(filters: ListSubnetsFilters): Record<string, QueryValue> {
  return {
    name: filters.name,
    network_id: filters.networkId,
    ip_version: filters.ipVersion,
    project_id: filters.projectId,
  };
}

/** One range of addresses Neutron hands out to ports (`allocation_pools[]`, inclusive). */
export interface AllocationPool {
  start: string;
  end: string;
}

/**
 * POST /v2.0/subnets (Networking API v2.0 "Create subnet"; sample
 * neutron-lib api-ref/source/v2/samples/subnets/subnet-create-request.json).
 */
export interface CreateSubnetOptions extends CallOptions {
  networkId: string;
  /** Up to 255 characters. */
  name: string;
  /** Network address and prefix, e.g. 192.168.222.0/24 (host bits must be clear). */
  cidr: string;
  /** Default 4. */
  ipVersion?: IpVersion;
  /**
   * Omitted: Neutron takes the first address of the CIDR (seed: 192.168.222.1). `null`: no
   * gateway at all (Neutron's `gateway_ip: null`).
   */
  gatewayIp?: string | null;
  /** Neutron's default is true. */
  enableDhcp?: boolean;
  dnsNameservers?: readonly string[];
  /** Omitted: the whole CIDR except the network, gateway and (IPv4) broadcast addresses. */
  allocationPools?: readonly AllocationPool[];
  description?: string;
}

const MAX_NAME_CHARS = 255;

/**
 * The `subnet` object of POST /v2.0/subnets (the envelope is added by the caller). Addresses are
 * checked against the IP version and the CIDR here, so a typo names its field instead of coming
 * back as Neutron's 400. Cloud policy (e.g. the devcloud allowing only 127.0.0.0/8) is Neutron's
 * to judge: its 400 InvalidInput arrives as a BadRequestError carrying Neutron's message.
 */
export function buildCreateSubnetBody(options: CreateSubnetOptions): Record<string, unknown> {
  const field = (name: string): string => `createSubnet.${name}`;
  if (typeof options?.networkId !== 'string' || options.networkId === '') {
    throw new InvalidArgumentError(field('networkId'), 'is required (the network id)');
  }
  if (typeof options.name !== 'string') {
    throw new InvalidArgumentError(field('name'), 'is required (a string)');
  }
  if (options.name.length > MAX_NAME_CHARS) {
    throw new InvalidArgumentError(
      field('name'),
      `is ${options.name.length} characters long`,
      `allowed: at most ${MAX_NAME_CHARS}`,
    );
  }
  const ipVersion = options.ipVersion ?? 4;
  if (ipVersion !== 4 && ipVersion !== 6) {
    throw new InvalidArgumentError(
      field('ipVersion'),
      `${JSON.stringify(ipVersion)} is not an IP version`,
      'allowed: 4, 6',
    );
  }
  if (typeof options.cidr !== 'string') {
    throw new InvalidArgumentError(field('cidr'), 'is required (e.g. 192.168.222.0/24)');
  }
  const parsed = parseCidr(options.cidr, ipVersion);
  if ('problem' in parsed) throw new InvalidArgumentError(field('cidr'), parsed.problem);
  const { cidr } = parsed;

  const address = (value: unknown, name: string, insideCidr: boolean): IpAddress => {
    const n = typeof value === 'string' ? parseIpAddress(value, ipVersion) : undefined;
    if (n === undefined) {
      throw new InvalidArgumentError(
        field(name),
        `${JSON.stringify(value)} is not an IPv${ipVersion} address`,
      );
    }
    if (insideCidr && !cidrContains(cidr, n)) {
      throw new InvalidArgumentError(field(name), `${String(value)} is outside ${options.cidr}`);
    }
    return n;
  };

  // Neutron allows a gateway outside the CIDR (an on-link router), so only the format is checked.
  if (options.gatewayIp !== undefined && options.gatewayIp !== null)
    address(options.gatewayIp, 'gatewayIp', false);
  if (options.enableDhcp !== undefined && typeof options.enableDhcp !== 'boolean') {
    throw new InvalidArgumentError(
      field('enableDhcp'),
      `${JSON.stringify(options.enableDhcp)} is not a boolean`,
    );
  }
  if (options.dnsNameservers !== undefined) {
    if (!Array.isArray(options.dnsNameservers))
      throw new InvalidArgumentError(field('dnsNameservers'), 'must be an array of addresses');
    options.dnsNameservers.forEach((ns, i) => address(ns, `dnsNameservers[${i}]`, false));
  }
  if (options.allocationPools !== undefined) {
    if (!Array.isArray(options.allocationPools))
      throw new InvalidArgumentError(
        field('allocationPools'),
        'must be an array of { start, end }',
      );
    options.allocationPools.forEach((pool: AllocationPool, i) => {
      const start = address(pool?.start, `allocationPools[${i}].start`, true);
      const end = address(pool?.end, `allocationPools[${i}].end`, true);
      if (compareIpAddresses(start, end) > 0) {
        throw new InvalidArgumentError(
          field(`allocationPools[${i}]`),
          `start ${pool.start} is after end ${pool.end}`,
        );
      }
    });
  }

  const body: Record<string, unknown> = {
    network_id: options.networkId,
    name: options.name,
    ip_version: ipVersion,
    cidr: options.cidr,
  };
  if (options.gatewayIp !== undefined) body['gateway_ip'] = options.gatewayIp;
  if (options.enableDhcp !== undefined) body['enable_dhcp'] = options.enableDhcp;
  if (options.dnsNameservers !== undefined) body['dns_nameservers'] = [...options.dnsNameservers];
  if (options.allocationPools !== undefined) {
    body['allocation_pools'] = options.allocationPools.map((p) => ({ start: p.start, end: p.end }));
  }
  if (options.description !== undefined) body['description'] = options.description;
  return body;
}
