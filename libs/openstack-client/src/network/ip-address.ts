/**
 * IP addresses and CIDRs, on ipaddr.js (node:net's isIP for strict syntax: dotted-quad IPv4
 * only, no IPv6 zone). The one implementation the client (Neutron request checks), bake-image's
 * options and the controller's config use, so a bad CIDR, gateway or pool fails before anything
 * is sent, naming the field (Neutron would answer 400 InvalidInput later, e.g. "Invalid input
 * for operation: not-a-cidr is not in a CIDR format."; devcloud capture
 * neutron/12b-subnet-create-bad-cidr.txt).
 */
import { isIP } from 'node:net';
import * as ipaddr from 'ipaddr.js';

export type IpVersion = 4 | 6;
export type IpAddress = ipaddr.IPv4 | ipaddr.IPv6;

export interface ParsedCidr {
  version: IpVersion;
  /** The network address (host bits clear). */
  network: IpAddress;
  prefix: number;
}

const BITS: Record<IpVersion, number> = { 4: 32, 6: 128 };

/** The address when `text` is one (of `version`, when given); undefined otherwise. */
export function parseIpAddress(text: string, version?: IpVersion): IpAddress | undefined {
  const family = isIP(text);
  if (family === 0 || text.includes('%') || (version !== undefined && family !== version))
    return undefined;
  return ipaddr.parse(text);
}

/**
 * Parses `address/prefix` of the given IP version. Returns a problem (what was wrong) instead of
 * throwing, so callers can name their own field; `suggestion` is the network the caller probably
 * meant when only host bits were set.
 */
export function parseCidr(
  text: string,
  version: IpVersion,
): { cidr: ParsedCidr } | { problem: string; suggestion?: string } {
  const example = version === 4 ? '192.168.222.0/24' : '2001:db8::/64';
  const match = /^([^/\s]+)\/(\d{1,3})$/.exec(text);
  if (!match)
    return { problem: `"${text}" is not a CIDR (expected address/prefix, e.g. ${example})` };
  const address = parseIpAddress(match[1], version);
  if (!address) {
    const other: IpVersion = version === 4 ? 6 : 4;
    return {
      problem: parseIpAddress(match[1], other)
        ? `"${text}" is an IPv${other} CIDR, but ipVersion is ${version}`
        : `"${match[1]}" is not an IPv${version} address`,
    };
  }
  const prefix = Number(match[2]);
  const bits = BITS[version];
  if (prefix > bits) return { problem: `prefix /${prefix} is longer than ${bits} bits` };
  const network =
    version === 4
      ? ipaddr.IPv4.networkAddressFromCIDR(text)
      : ipaddr.IPv6.networkAddressFromCIDR(text);
  if (network.toNormalizedString() !== address.toNormalizedString()) {
    // Neutron refuses this too ("'%s' isn't a recommended CIDR, should be %s").
    const suggestion = `${network.toString()}/${prefix}`;
    return { problem: `"${text}" has host bits set (did you mean ${suggestion}?)`, suggestion };
  }
  return { cidr: { version, network, prefix } };
}

export function cidrContains(cidr: ParsedCidr, address: IpAddress): boolean {
  return address.kind() === cidr.network.kind() && address.match(cidr.network, cidr.prefix);
}

/** Orders addresses of one version (negative: `a` comes first). */
export function compareIpAddresses(a: IpAddress, b: IpAddress): number {
  const x = a.toByteArray();
  const y = b.toByteArray();
  if (x.length !== y.length) return x.length - y.length;
  const i = x.findIndex((byte, n) => byte !== y[n]);
  return i < 0 ? 0 : x[i] - y[i];
}

/** The first host address of a network (the seed's `.1` gateway). */
export function firstHostAddress(cidr: ParsedCidr): string {
  const bytes = cidr.network.toByteArray();
  for (let i = bytes.length - 1; i >= 0; i--) {
    bytes[i] = (bytes[i] + 1) % 256;
    if (bytes[i] !== 0) break;
  }
  return ipaddr.fromByteArray(bytes).toString();
}

/** An IPv4/IPv6 address, or a CIDR block of one (`10.0.0.0/8`, `fd00::/8`; host bits allowed). */
export function isAddressOrCidr(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const [address, prefix, extra] = value.split('/');
  const parsed = parseIpAddress(address);
  if (!parsed || extra !== undefined) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (parsed.kind() === 'ipv4' ? 32 : 128);
}
