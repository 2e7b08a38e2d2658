/**
 * IP address and CIDR checks for Neutron request bodies, so a bad CIDR, gateway or pool fails
 * before anything is sent, naming the field (Neutron would answer 400 InvalidInput later, e.g.
 * "Invalid input for operation: not-a-cidr is not in a CIDR format."; devcloud capture
 * neutron/12b-subnet-create-bad-cidr.txt). Addresses are read into BigInts so IPv4 and IPv6 share
 * one code path.
 */
import { isIPv4, isIPv6 } from 'node:net';

export type IpVersion = 4 | 6;

export interface ParsedCidr {
  version: IpVersion;
  /** The network address (host bits cleared). */
  network: bigint;
  prefix: number;
}

const BITS: Record<IpVersion, number> = { 4: 32, 6: 128 };

/** The address as a number, or undefined when it is not a valid address of that version. */
export function ipToBigInt(text: string, version: IpVersion): bigint | undefined {
  if (version === 4) {
    if (!isIPv4(text)) return undefined;
    return text.split('.').reduce((acc, octet) => (acc << 8n) | BigInt(Number(octet)), 0n);
  }
  if (!isIPv6(text) || text.includes('%')) return undefined;
  let groups = text;
  // An embedded IPv4 tail (::ffff:192.0.2.1) becomes two hex groups.
  const v4Tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(groups)?.[1];
  if (v4Tail) {
    const v4 = ipToBigInt(v4Tail, 4) ?? 0n;
    groups = `${groups.slice(0, -v4Tail.length)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head, tail] = groups.split('::');
  const headParts = head ? head.split(':') : [];
  const tailParts = tail === undefined ? [] : tail ? tail.split(':') : [];
  const missing = 8 - headParts.length - tailParts.length;
  const parts = [
    ...headParts,
    ...Array<string>(tail === undefined ? 0 : missing).fill('0'),
    ...tailParts,
  ];
  return parts.reduce((acc, group) => (acc << 16n) | BigInt(parseInt(group, 16)), 0n);
}

export function bigIntToIp(value: bigint, version: IpVersion): string {
  if (version === 4) {
    return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');
  }
  const groups = Array.from({ length: 8 }, (_, i) =>
    ((value >> BigInt((7 - i) * 16)) & 0xffffn).toString(16),
  );
  // Shorten the longest run of zero groups (RFC 5952), enough for a readable hint.
  let best = { start: -1, length: 0 };
  for (let i = 0; i < 8;) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > best.length && j - i > 1) best = { start: i, length: j - i };
    i = j;
  }
  if (best.start < 0) return groups.join(':');
  const left = groups.slice(0, best.start).join(':');
  const right = groups.slice(best.start + best.length).join(':');
  return `${left}::${right}`;
}

/**
 * Parses `address/prefix` of the given IP version. Returns a problem (what was wrong) instead of
 * throwing, so callers can name their own field.
 */
export function parseCidr(
  text: string,
  version: IpVersion,
): { cidr: ParsedCidr } | { problem: string } {
  const example = version === 4 ? '192.168.222.0/24' : '2001:db8::/64';
  const match = /^([^/\s]+)\/(\d{1,3})$/.exec(text);
  if (!match)
    return { problem: `"${text}" is not a CIDR (expected address/prefix, e.g. ${example})` };
  const address = ipToBigInt(match[1], version);
  if (address === undefined) {
    const other: IpVersion = version === 4 ? 6 : 4;
    return {
      problem:
        ipToBigInt(match[1], other) !== undefined
          ? `"${text}" is an IPv${other} CIDR, but ipVersion is ${version}`
          : `"${match[1]}" is not an IPv${version} address`,
    };
  }
  const prefix = Number(match[2]);
  const bits = BITS[version];
  if (prefix > bits) return { problem: `prefix /${prefix} is longer than ${bits} bits` };
  const hostMask = (1n << BigInt(bits - prefix)) - 1n;
  const network = address & ~hostMask;
  if (network !== address) {
    // Neutron refuses this too ("'%s' isn't a recommended CIDR, should be %s").
    return {
      problem: `"${text}" has host bits set (did you mean ${bigIntToIp(network, version)}/${prefix}?)`,
    };
  }
  return { cidr: { version, network, prefix } };
}

export function cidrContains(cidr: ParsedCidr, address: bigint): boolean {
  const size = 1n << BigInt(BITS[cidr.version] - cidr.prefix);
  return address >= cidr.network && address < cidr.network + size;
}
