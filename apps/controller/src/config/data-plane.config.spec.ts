import { validateConfigObject } from './config-validation';
import { ControllerConfig } from './controller-config';

/** The `dataPlane:` section through the one validation pipeline every section uses. */
function problemsOf(dataPlane: Record<string, unknown>): string[] {
  return validateConfigObject(ControllerConfig, { dataPlane }).problems.map(
    (problem) => `${problem.path} = ${problem.shownValue}: ${problem.message}`,
  );
}

describe('DataPlaneConfig', () => {
  it('defaults to the built-in proxy (nothing changes for users who do not opt in)', () => {
    const { config, problems } = validateConfigObject(ControllerConfig, {});
    expect(problems).toEqual([]);
    expect(config.dataPlane.kind).toBe('builtin');
    expect(config.dataPlane.haproxy.binary).toBe('/usr/sbin/haproxy');
  });

  it('refuses an unknown kind with the allowed ones, and accepts every built kind', () => {
    expect(problemsOf({ kind: 'nginx' })).toEqual([
      expect.stringMatching(
        /^dataPlane\.kind = "nginx": must be one of: builtin, haproxy, octavia$/,
      ),
    ]);
    expect(problemsOf({ kind: 'octavia' })).toEqual([]);
    expect(problemsOf({ kind: 'haproxy' })).toEqual([]);
  });

  it('names each bad haproxy field with what is allowed', () => {
    expect(
      problemsOf({
        haproxy: {
          binary: 'haproxy',
          socketPath: `/tmp/${'x'.repeat(120)}`,
          maxconn: 0,
          serverMaxconn: -1,
          clientTimeoutMs: '1h',
          countersIntervalMs: '5ms',
          extra: 1,
        },
      }),
    ).toEqual([
      expect.stringMatching(
        /^dataPlane\.haproxy\.extra = 1: unknown key \(allowed here: binary, runtimeDir, socketPath, /,
      ),
      expect.stringMatching(
        /^dataPlane\.haproxy\.binary = "haproxy": must be an absolute path \(the haproxy executable\)/,
      ),
      expect.stringMatching(
        /^dataPlane\.haproxy\.socketPath = .*: must be "" .* or an absolute path of at most 107 characters/,
      ),
      'dataPlane.haproxy.maxconn = 0: must be an integer from 1 to 1000000',
      'dataPlane.haproxy.serverMaxconn = -1: must be an integer from 0 to 1000000',
      expect.stringMatching(
        /^dataPlane\.haproxy\.countersIntervalMs = 5: must be an integer from 10 to 60000/,
      ),
    ]);
  });
});
