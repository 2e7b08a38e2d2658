import { normalizePeerAddress, TrustedProxies } from './trusted-proxies';

describe('TrustedProxies', () => {
  const trusted = new TrustedProxies(['10.0.0.0/8', '192.0.2.7', 'fd00::/8']);

  it('trusts listed addresses and blocks, nothing else', () => {
    expect(trusted.isTrusted('10.1.2.3')).toBe(true);
    expect(trusted.isTrusted('192.0.2.7')).toBe(true);
    expect(trusted.isTrusted('fd00::1')).toBe(true);
    expect(trusted.isTrusted('192.0.2.8')).toBe(false);
    expect(trusted.isTrusted('11.0.0.1')).toBe(false);
    expect(trusted.isTrusted('')).toBe(false);
  });

  it('trusts nobody when the list is empty', () => {
    expect(new TrustedProxies([]).isTrusted('127.0.0.1')).toBe(false);
  });

  it('unwraps IPv4-mapped IPv6 peers', () => {
    expect(normalizePeerAddress('::ffff:10.1.2.3')).toBe('10.1.2.3');
    expect(normalizePeerAddress('::1')).toBe('::1');
    expect(normalizePeerAddress(undefined)).toBe('');
  });
});
