import {
  cidrInside,
  cidrRange,
  cidrsOverlap,
  hostRange,
  ipToNumber,
  isIpv4Cidr,
  numberToIp,
} from './ip-ranges';

describe("ip-ranges (the fake Neutron's IPv4 arithmetic, on ipaddr.js)", () => {
  it('accepts the IPv4 forms Neutron takes and nothing else', () => {
    expect(['10.0.0.0/8', '10.0.0.1', '127.200.0.0/24'].map(isIpv4Cidr)).toEqual([
      true,
      true,
      true,
    ]);
    expect(
      ['10.0.0.0/33', '10/8', '256.0.0.0/8', '::1/128', '10.0.0.0/8/8'].map(isIpv4Cidr),
    ).toEqual([false, false, false, false, false]);
  });

  it('computes ranges, containment and overlap', () => {
    expect(cidrRange('192.168.222.0/24').map(numberToIp)).toEqual([
      '192.168.222.0',
      '192.168.222.255',
    ]);
    expect(cidrInside('127.200.0.0/24', '127.0.0.0/8')).toBe(true);
    expect(cidrInside('126.0.0.0/7', '127.0.0.0/8')).toBe(false);
    expect(cidrsOverlap('10.0.0.0/16', '10.0.5.0/24')).toBe(true);
    expect(cidrsOverlap('10.0.5.0/24', '10.0.6.0/24')).toBe(false);
    expect(numberToIp(ipToNumber('10.0.0.255') + 1)).toBe('10.0.1.0');
  });

  it('puts the gateway on the first host and the pool after it', () => {
    expect(hostRange('192.168.222.0/24', undefined)).toEqual({
      gatewayIp: '192.168.222.1',
      allocationPools: [{ start: '192.168.222.2', end: '192.168.222.254' }],
    });
    expect(hostRange('192.168.222.0/30', null)).toEqual({
      gatewayIp: null,
      allocationPools: [{ start: '192.168.222.1', end: '192.168.222.2' }],
    });
  });
});
