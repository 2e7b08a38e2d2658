import { availableParallelism } from 'node:os';
import { validateConfigObject } from './config-validation';
import { ProxyConfig, isAddressOrCidr } from './proxy.config';

/** The `proxy:` section through the one validation pipeline every section uses. */
function problemsOf(plain: Record<string, unknown>): string[] {
  return validateConfigObject(ProxyConfig, plain).problems.map(
    (problem) => `${problem.path} = ${problem.shownValue}: ${problem.message}`,
  );
}

describe('ProxyConfig', () => {
  it('defaults to the seed scenario: 0.0.0.0:8000, GET / -> /work, nobody trusted', () => {
    const { config, problems } = validateConfigObject(ProxyConfig, {});
    expect(problems).toEqual([]);
    expect(config).toBeInstanceOf(ProxyConfig);
    expect([config.listenHost, config.listenPort]).toEqual(['0.0.0.0', 8000]);
    expect(config.pathMappings).toEqual([{ method: 'GET', from: '/', to: '/work' }]);
    expect(config.trustedProxies).toEqual([]);
    expect(config.keepAliveTimeoutMs).toBeGreaterThan(60_000); // above an AWS ALB's 60 s idle timeout
    expect(config.agentIdleTimeoutMs).toBeLessThan(5_000); // below Node's default backend keep-alive
  });

  it('takes overrides from plain data, durations as milliseconds or with a unit', () => {
    const { config, problems } = validateConfigObject(ProxyConfig, {
      listenPort: 18000,
      trustedProxies: ['10.0.0.0/8', '192.0.2.7', 'fd00::/8'],
      pathMappings: [{ from: '/', to: '/index' }],
      chunkedDeleteOptions: 'reject',
      upstreamTimeoutMs: '90s',
      headersTimeoutMs: 15_000,
    });
    expect(problems).toEqual([]);
    expect(config.listenPort).toBe(18000);
    expect(config.trustedProxies).toHaveLength(3);
    expect(config.pathMappings[0]).toEqual({ from: '/', to: '/index' });
    expect(config.chunkedDeleteOptions).toBe('reject');
    expect(config.upstreamTimeoutMs).toBe(90_000);
    expect(config.headersTimeoutMs).toBe(15_000);
  });

  it('lists every bad field with its path, value and what is allowed, in the same words as every other section', () => {
    expect(
      problemsOf({
        listenHost: 'localhost',
        listenPort: 70000,
        trustedProxies: ['10.0.0.0/33', 'proxy.example'],
        pathMappings: [{ method: 'FETCH', from: 'work', to: '/work' }],
        headersTimeoutMs: 30_000,
        requestTimeoutMs: '20s',
        upstreamTimeoutMs: 'soon',
        chunkedDeleteOptions: 'ignore',
        maxInflight: 5,
      }),
    ).toEqual([
      expect.stringMatching(/^maxInflight = 5: unknown key \(allowed here: .*maxInFlight/),
      'listenHost = "localhost": must be an IPv4 or IPv6 address literal (e.g. 127.0.0.1, ::1)',
      'listenPort = 70000: must be an integer from 0 to 65535',
      'upstreamTimeoutMs = "soon": must be an integer from 1 to 3600000 (milliseconds, or a duration such as 1500ms, 90s, 10m, 1h)',
      'pathMappings[0].method = "FETCH": must be one of: GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS',
      'pathMappings[0].from = "work": must be an absolute path without query or spaces, e.g. "/"',
      'trustedProxies = ["10.0.0.0/33","proxy.example"]: must be a list of at most 1000 IP addresses or CIDR blocks (e.g. 10.0.0.0/8, 192.0.2.7, fd00::/8)',
      'requestTimeoutMs = 20000: must not be less than headersTimeoutMs (30000)',
      'chunkedDeleteOptions = "ignore": must be one of: forward, reject',
    ]);
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

  it('takes proxy.workers from 1 to the CPU count (default 1), and names the field and the range otherwise', () => {
    const cpus = availableParallelism();
    expect(validateConfigObject(ProxyConfig, {}).config.workers).toBe(1);
    expect(problemsOf({ workers: cpus })).toEqual([]);
    const allowed = `must be an integer from 1 to ${cpus} (this machine's CPU count)`;
    expect(problemsOf({ workers: 0 })).toEqual([`workers = 0: ${allowed}`]);
    expect(problemsOf({ workers: cpus + 1 })).toEqual([`workers = ${cpus + 1}: ${allowed}`]);
    expect(problemsOf({ workers: 1.5 })).toEqual([`workers = 1.5: ${allowed}`]);
    expect(problemsOf({ workers: 'two' })).toEqual([`workers = "two": ${allowed}`]);
  });
});
