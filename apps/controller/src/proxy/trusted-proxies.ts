import { BlockList, isIPv4 } from 'node:net';

/** Which peers may vouch for the client address (`trustedProxies`: addresses and CIDR blocks). */
export class TrustedProxies {
  private readonly list = new BlockList();
  private readonly empty: boolean;

  constructor(entries: readonly string[]) {
    this.empty = entries.length === 0;
    for (const entry of entries) {
      const [address, bits] = entry.split('/');
      const type = isIPv4(address) ? 'ipv4' : 'ipv6';
      if (bits === undefined) this.list.addAddress(address, type);
      else this.list.addSubnet(address, Number(bits), type);
    }
  }

  isTrusted(peerAddress: string): boolean {
    if (this.empty || peerAddress === '') return false;
    return this.list.check(peerAddress, isIPv4(peerAddress) ? 'ipv4' : 'ipv6');
  }
}

/** `::ffff:10.0.0.1` (IPv4 peer on a dual-stack socket) -> `10.0.0.1`. */
export function normalizePeerAddress(address: string | undefined): string {
  if (address === undefined) return '';
  return address.startsWith('::ffff:') && isIPv4(address.slice(7)) ? address.slice(7) : address;
}
