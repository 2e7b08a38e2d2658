import { validateConfigObject } from './config-validation';
import { ControllerConfig } from './controller-config';

function problemsOf(plain: Record<string, unknown>): string[] {
  return validateConfigObject(ControllerConfig, plain).problems.map(
    (problem) => `${problem.path} = ${problem.shownValue}: ${problem.message}`,
  );
}

describe('LeadershipConfig', () => {
  it('is off by default: a single controller is unchanged', () => {
    const { config, problems } = validateConfigObject(ControllerConfig, {});
    expect(problems).toEqual([]);
    expect(config.leadership).toMatchObject({
      enabled: false,
      leaseDurationMs: 15_000,
      renewIntervalMs: 5_000,
      holderId: '',
      leaseName: '',
    });
  });

  it('takes durations with units and accepts enabled with the openstack provider', () => {
    const { config, problems } = validateConfigObject(ControllerConfig, {
      provider: { kind: 'openstack' },
      leadership: {
        enabled: true,
        leaseDurationMs: '30s',
        renewIntervalMs: '10s',
        holderId: 'ctl-a',
      },
    });
    expect(problems.filter((p) => p.path.startsWith('leadership'))).toEqual([]);
    expect(config.leadership).toMatchObject({
      enabled: true,
      leaseDurationMs: 30_000,
      renewIntervalMs: 10_000,
    });
  });

  it('names each bad field with what is allowed', () => {
    expect(
      problemsOf({
        provider: { kind: 'openstack' },
        leadership: {
          enabled: 'yes',
          leaseDurationMs: 1_000,
          renewIntervalMs: '6s',
          holderId: 'has space',
          leaseName: 'x'.repeat(101),
          extra: 1,
        },
      }),
    ).toEqual([
      expect.stringMatching(
        /^leadership\.extra = 1: unknown key \(allowed here: enabled, leaseDurationMs, renewIntervalMs, holderId, leaseName/,
      ),
      expect.stringMatching(/^leadership\.enabled = "yes": must be true or false/),
      expect.stringMatching(
        /^leadership\.leaseDurationMs = 1000: must be an integer from 3000 to 600000/,
      ),
      expect.stringMatching(
        /^leadership\.renewIntervalMs = 6000: must be at most a third of leaseDurationMs \(1000\)/,
      ),
      expect.stringMatching(/^leadership\.holderId = "has space": must be "" or up to 64 letters/),
      expect.stringMatching(/^leadership\.leaseName = "x+.*: must be "" or up to 100 letters/),
    ]);
    expect(
      problemsOf({ provider: { kind: 'openstack' }, leadership: { renewIntervalMs: '6s' } }),
    ).toEqual([
      expect.stringMatching(
        /^leadership\.renewIntervalMs = 6000: must be at most a third of leaseDurationMs \(15000\)/,
      ),
    ]);
  });

  it('refuses enabled on the local provider (the lease lives in Neutron)', () => {
    expect(problemsOf({ leadership: { enabled: true } })).toEqual([
      expect.stringMatching(/^leadership = .*: enabled: true needs provider\.kind: openstack/),
    ]);
  });
});
