// IPv4 ranges as the fake Neutron needs them (subnet overlap, allocation pools, next free
// address), on ipaddr.js. Deliberately not the client's ip-address module: the fake must not
// share the code it is used to test.
import { isIPv4 } from 'node:net';
import * as ipaddr from 'ipaddr.js';

/** `a.b.c.d` or `a.b.c.d/n`, the IPv4 forms Neutron accepts for cidr, pools and remote_ip_prefix. */
export function isIpv4Cidr(text: string): boolean {
  const [address, prefix, extra] = text.split('/');
  if (extra !== undefined || !isIPv4(address)) return false;
  return prefix === undefined || (/^\d{1,2}$/.test(prefix) && Number(prefix) <= 32);
}

export function ipToNumber(ip: string): number {
  return ipaddr.IPv4.parse(ip).octets.reduce((acc, octet) => acc * 256 + octet, 0);
}

export function numberToIp(n: number): string {
  return ipaddr
    .fromByteArray([24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256))
    .toString();
}

function withPrefix(cidr: string): string {
  return cidr.includes('/') ? cidr : `${cidr}/32`;
}

/** First and last address of the block, as numbers. */
export function cidrRange(cidr: string): [number, number] {
  const block = withPrefix(cidr);
  return [
    ipToNumber(ipaddr.IPv4.networkAddressFromCIDR(block).toString()),
    ipToNumber(ipaddr.IPv4.broadcastAddressFromCIDR(block).toString()),
  ];
}

/** True when `inner` lies entirely inside `outer`. */
export function cidrInside(inner: string, outer: string): boolean {
  const [address, bits] = ipaddr.IPv4.parseCIDR(withPrefix(inner));
  const range = ipaddr.IPv4.parseCIDR(withPrefix(outer));
  return bits >= range[1] && address.match(range);
}

/** Two blocks overlap exactly when one contains the other's network address. */
export function cidrsOverlap(a: string, b: string): boolean {
  return cidrInside(a, b) || cidrInside(b, a);
}

/** Gateway (first host unless given) and the allocation pool of the remaining hosts. */
export function hostRange(
  cidr: string,
  gateway: unknown,
): { gatewayIp: string | null; allocationPools: { start: string; end: string }[] } {
  const [start, end] = cidrRange(cidr);
  const gatewayIp =
    gateway === null ? null : typeof gateway === 'string' ? gateway : numberToIp(start + 1);
  const firstHost = start + 1;
  const lastHost = end - 1;
  const gw = gatewayIp ? ipToNumber(gatewayIp) : -1;
  const poolStart = gw === firstHost ? firstHost + 1 : firstHost;
  return {
    gatewayIp,
    allocationPools:
      lastHost >= poolStart ? [{ start: numberToIp(poolStart), end: numberToIp(lastHost) }] : [],
  };
}
