import { ProxyConfig, isAddressOrCidr, proxyConfigFrom, proxyConfigProblems } from './proxy.config';

describe('ProxyConfig', () => {
  it('defaults to the seed scenario: 0.0.0.0:8000, GET / -> /work, nobody trusted', () => {
    const config = proxyConfigFrom();
    expect(config).toBeInstanceOf(ProxyConfig);
    expect([config.listenHost, config.listenPort]).toEqual(['0.0.0.0', 8000]);
    expect(config.pathMappings).toEqual([{ method: 'GET', from: '/', to: '/work' }]);
    expect(config.trustedProxies).toEqual([]);
    expect(config.keepAliveTimeoutMs).toBeGreaterThan(60_000); // above an AWS ALB's 60 s idle timeout
    expect(config.agentIdleTimeoutMs).toBeLessThan(5_000); // below Node's default backend keep-alive
    expect(proxyConfigProblems(new ProxyConfig())).toEqual([]);
  });

  it('takes overrides from plain data', () => {
    const config = proxyConfigFrom({
      listenPort: 18000,
      trustedProxies: ['10.0.0.0/8', '192.0.2.7', 'fd00::/8'],
      pathMappings: [{ from: '/', to: '/index' }],
      chunkedDeleteOptions: 'reject',
    });
    expect(config.listenPort).toBe(18000);
    expect(config.trustedProxies).toHaveLength(3);
    expect(config.pathMappings[0]).toEqual({ from: '/', to: '/index' });
    expect(config.chunkedDeleteOptions).toBe('reject');
  });

  it('lists every bad field with its path, value and what is allowed', () => {
    let message = '';
    try {
      proxyConfigFrom({
        listenHost: 'localhost',
        listenPort: 70000,
        trustedProxies: ['10.0.0.0/33', 'proxy.example'],
        pathMappings: [{ method: 'FETCH', from: 'work', to: '/work' }],
        headersTimeoutMs: 30_000,
        requestTimeoutMs: 20_000,
        chunkedDeleteOptions: 'ignore',
        maxInflight: 5,
      });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^invalid proxy config:/);
    expect(message).toMatch(/proxy\.listenHost = "localhost": listenHost must be an ip address/);
    expect(message).toMatch(/proxy\.listenPort = 70000: listenPort must not be greater than 65535/);
    expect(message).toMatch(/proxy\.trustedProxies = .*must be an IP address or CIDR block/);
    expect(message).toMatch(/proxy\.pathMappings\.0\.method = "FETCH": method must be one of/);
    expect(message).toMatch(/proxy\.pathMappings\.0\.from = "work": from must be an absolute path/);
    expect(message).toMatch(
      /proxy\.requestTimeoutMs = 20000: requestTimeoutMs must be at least headersTimeoutMs/,
    );
    expect(message).toMatch(
      /proxy\.chunkedDeleteOptions = "ignore": chunkedDeleteOptions must be one of/,
    );
    expect(message).toMatch(/proxy\.maxInflight = 5: unknown setting; allowed: .*maxInFlight/);
  });

  it.each([
    ['127.0.0.1', true],
    ['10.0.0.0/8', true],
    ['::1', true],
    ['fd00::/8', true],
    ['10.0.0.0/33', false],
    ['fd00::/129', false],
    ['10.0.0.0/', false],
    ['example.com', false],
    [42, false],
  ])('isAddressOrCidr(%p) = %p', (value, expected) => {
    expect(isAddressOrCidr(value)).toBe(expected);
  });
});
