import {
  cidrContains,
  compareIpAddresses,
  firstHostAddress,
  isAddressOrCidr,
  parseCidr,
  parseIpAddress,
  type ParsedCidr,
} from './ip-address';

function cidr(text: string, version: 4 | 6): ParsedCidr {
  const parsed = parseCidr(text, version);
  if (!('cidr' in parsed)) throw new Error(parsed.problem);
  return parsed.cidr;
}

describe('ip-address (the one IP/CIDR implementation, on ipaddr.js)', () => {
  it('accepts only plain addresses: dotted-quad IPv4, IPv6 without a zone', () => {
    expect(parseIpAddress('192.168.222.1', 4)?.toString()).toBe('192.168.222.1');
    expect(parseIpAddress('2001:db8::1', 6)?.toString()).toBe('2001:db8::1');
    for (const bad of ['10', '0x7f.1', '10.0.0', '256.1.1.1', 'fe80::1%eth0', ''])
      expect(parseIpAddress(bad)).toBeUndefined();
    expect(parseIpAddress('2001:db8::1', 4)).toBeUndefined();
  });

  it('parses CIDRs and says what is wrong, suggesting the network when host bits are set', () => {
    expect(cidr('127.200.0.0/24', 4)).toMatchObject({ version: 4, prefix: 24 });
    expect(parseCidr('10.0.0.1/8', 4)).toEqual({
      problem: '"10.0.0.1/8" has host bits set (did you mean 10.0.0.0/8?)',
      suggestion: '10.0.0.0/8',
    });
    expect(parseCidr('2001:db8::1/64', 6)).toMatchObject({ suggestion: '2001:db8::/64' });
    expect(parseCidr('10.0.0.0/33', 4)).toEqual({ problem: 'prefix /33 is longer than 32 bits' });
    expect(parseCidr('2001:db8::/64', 4)).toEqual({
      problem: '"2001:db8::/64" is an IPv6 CIDR, but ipVersion is 4',
    });
    expect(parseCidr('300.1.1.1/8', 4)).toEqual({ problem: '"300.1.1.1" is not an IPv4 address' });
    expect(parseCidr('10.0.0.0', 4)).toMatchObject({
      problem: expect.stringContaining('is not a CIDR'),
    });
  });

  it('tests membership, orders addresses and finds the first host', () => {
    const net = cidr('192.168.222.0/24', 4);
    expect(cidrContains(net, parseIpAddress('192.168.222.254')!)).toBe(true);
    expect(cidrContains(net, parseIpAddress('192.168.223.1')!)).toBe(false);
    expect(cidrContains(net, parseIpAddress('::ffff:c0a8:de01')!)).toBe(false);
    expect(
      compareIpAddresses(parseIpAddress('10.0.0.9')!, parseIpAddress('10.0.0.10')!),
    ).toBeLessThan(0);
    expect(
      compareIpAddresses(parseIpAddress('10.0.1.0')!, parseIpAddress('10.0.0.255')!),
    ).toBeGreaterThan(0);
    expect(firstHostAddress(net)).toBe('192.168.222.1');
    expect(firstHostAddress(cidr('2001:db8::/64', 6))).toBe('2001:db8::1');
  });

  it('isAddressOrCidr: an address, or one with a prefix no longer than its family allows', () => {
    expect(
      ['10.0.0.1', '10.0.0.0/8', '10.0.0.1/32', 'fd00::/8', '::1'].map(isAddressOrCidr),
    ).toEqual([true, true, true, true, true]);
    expect(
      ['10.0.0.0/33', 'fd00::/129', '10.0.0.0/8/8', 'example.com', '10/8', 42].map(isAddressOrCidr),
    ).toEqual([false, false, false, false, false, false]);
  });
});
