import { validateConfigObject } from './config-validation';
import { ControllerConfig } from './controller-config';

function problems(refresh: Record<string, unknown>): string[] {
  return validateConfigObject(ControllerConfig, { refresh }).problems.map(
    (problem) => `${problem.path} = ${problem.shownValue}: ${problem.message}`,
  );
}

describe('refresh config (refresh.*)', () => {
  it('defaults to a 10% canary for a minute, batches of one, nothing below 100% healthy', () => {
    const { config, problems: none } = validateConfigObject(ControllerConfig, {});
    expect(none).toEqual([]);
    expect(config.refresh).toMatchObject({
      autoStart: true,
      batchSize: 1,
      minHealthyPercent: 100,
      canaryWeight: 0.1,
      canaryWindowMs: 60_000,
      minCanaryRequests: 20,
      maxErrorRateIncrease: 0.01,
    });
  });

  it('takes durations with units', () => {
    expect(
      validateConfigObject(ControllerConfig, {
        refresh: { canaryWindowMs: '90s', imageCheckIntervalMs: '1m' },
      }).config.refresh,
    ).toMatchObject({ canaryWindowMs: 90_000, imageCheckIntervalMs: 60_000 });
  });

  it('names every bad field at once, with what is allowed', () => {
    expect(
      problems({
        batchSize: 0,
        minHealthyPercent: 101,
        canaryWeight: 1,
        canaryWindowMs: 'soon',
        maxErrorRateIncrease: -0.1,
        autoStart: 'yes',
        batchsize: 2,
      }).sort(),
    ).toEqual([
      'refresh.autoStart = "yes": must be true or false',
      'refresh.batchSize = 0: must be an integer from 1 to 100',
      expect.stringMatching(
        /^refresh\.batchsize = 2: unknown key \(allowed here: autoStart, imageCheckIntervalMs, batchSize, /,
      ),
      'refresh.canaryWeight = 1: must be a fraction between 0 and 1, both exclusive (0.1 = one request in ten)',
      'refresh.canaryWindowMs = "soon": must be an integer from 1000 to 3600000 (milliseconds, or a duration such as 1500ms, 90s, 10m, 1h)',
      'refresh.maxErrorRateIncrease = -0.1: must be a fraction from 0 to 1 (0.01 = one percentage point)',
      'refresh.minHealthyPercent = 101: must be an integer from 0 to 100 (percent)',
    ]);
  });
});
