import { readServiceConfig, ServiceConfigError } from './service-config';

function configProblems(env: Record<string, string>): string[] {
  try {
    readServiceConfig(env);
  } catch (error) {
    if (error instanceof ServiceConfigError) return error.problems;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(env)} to be rejected`);
}

describe('readServiceConfig', () => {
  it('uses the seed defaults when nothing is set', () => {
    expect(readServiceConfig({})).toEqual({
      host: '0.0.0.0',
      port: 5000,
      workDelayMs: 200,
      shutdownGraceMs: 10000,
    });
  });

  it('reads every variable', () => {
    expect(
      readServiceConfig({
        HOST: '127.0.50.1',
        PORT: '8080',
        WORK_DELAY_MS: '0',
        SHUTDOWN_GRACE_MS: '2500',
      }),
    ).toEqual({ host: '127.0.50.1', port: 8080, workDelayMs: 0, shutdownGraceMs: 2500 });
  });

  it.each(['0.0.0.0', '::', '::1', '10.1.2.3', 'localhost', 'service-vm-1.example.org'])(
    'accepts HOST=%s',
    (host) => {
      expect(readServiceConfig({ HOST: host }).host).toBe(host);
    },
  );

  it.each([
    ['0', 0],
    ['65535', 65535],
  ])('accepts PORT=%s (0 lets the OS pick)', (raw, port) => {
    expect(readServiceConfig({ PORT: raw }).port).toBe(port);
  });

  it('accepts the largest WORK_DELAY_MS', () => {
    expect(readServiceConfig({ WORK_DELAY_MS: '60000' }).workDelayMs).toBe(60000);
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', ''],
    ['PORT', '-1'],
    ['PORT', '65536'],
    ['PORT', '80.5'],
    ['PORT', ' 80'],
    ['PORT', '0x50'],
    ['WORK_DELAY_MS', '-200'],
    ['WORK_DELAY_MS', '2e2'],
    ['WORK_DELAY_MS', '60001'],
    ['WORK_DELAY_MS', '0.2'],
    ['SHUTDOWN_GRACE_MS', 'soon'],
    ['SHUTDOWN_GRACE_MS', '2147483648'],
  ])('rejects %s=%j naming the variable, the value and the allowed range', (name, value) => {
    const problems = configProblems({ [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`${name}=${JSON.stringify(value)} is not allowed`);
    expect(problems[0]).toMatch(/an integer from 0 to \d+/);
  });

  it.each(['', 'a b', 'http://host', '-leading-hyphen', 'under_score', 'double..dot'])(
    'rejects HOST=%j',
    (host) => {
      const problems = configProblems({ HOST: host });
      expect(problems).toEqual([
        expect.stringContaining(`HOST=${JSON.stringify(host)} is not allowed`),
      ]);
      expect(problems[0]).toContain('IPv4 or IPv6 address');
    },
  );

  it('reports every bad variable at once, in one readable message', () => {
    try {
      readServiceConfig({ HOST: 'a b', PORT: 'x', WORK_DELAY_MS: '-1', SHUTDOWN_GRACE_MS: 'y' });
      throw new Error('expected a ServiceConfigError');
    } catch (error) {
      expect(error).toBeInstanceOf(ServiceConfigError);
      const configError = error as ServiceConfigError;
      expect(configError.problems.map((problem) => problem.split('=')[0])).toEqual([
        'HOST',
        'PORT',
        'WORK_DELAY_MS',
        'SHUTDOWN_GRACE_MS',
      ]);
      expect(configError.message.split('\n')).toHaveLength(5);
    }
  });
});
