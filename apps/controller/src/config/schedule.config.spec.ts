import { stringify } from 'yaml';
import { ConfigError } from './config-error';
import { loadControllerConfig } from './config-loader';
import { ControllerConfig } from './controller-config';

const FILE = '/virtual/controller.yaml';

function load(plain: Record<string, unknown>): ControllerConfig {
  const request = loadControllerConfig({
    argv: ['--config', FILE],
    env: {},
    cwd: '/',
    homeDir: '/',
    readTextFile: (p) => (p === FILE ? stringify(plain) : undefined),
  });
  if (request.kind !== 'run') throw new Error('unexpected --help');
  return request.loaded.config;
}

function problemsOf(plain: Record<string, unknown>): string[] {
  try {
    load(plain);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message
      .split('\n')
      .slice(1)
      .map((line) => line.trim());
  }
  throw new Error('expected a ConfigError');
}

describe('scaling.schedule and provider.openstack placement: validated at start-up, field by field', () => {
  it('accepts a weekday schedule with seconds and time zones', () => {
    const config = load({
      scaling: {
        maxInstances: 5,
        schedule: [
          { name: 'morning', cron: '0 9 * * 1-5', timeZone: 'Europe/Berlin', minInstances: 3 },
          {
            cron: '30 0 18 * * 1-5',
            timeZone: 'America/New_York',
            minInstances: 1,
            maxInstances: 2,
            desired: 1,
          },
        ],
      },
    });
    expect(config.scaling.schedule).toHaveLength(2);
    expect(config.scaling.schedule[0]).toMatchObject({
      name: 'morning',
      timeZone: 'Europe/Berlin',
      minInstances: 3,
    });
    expect(config.scaling.schedule[1].timeZone).toBe('America/New_York');
  });

  it('names each bad cron expression, time zone and value at its own path', () => {
    const problems = problemsOf({
      scaling: {
        schedule: [
          { cron: '61 * * * *', minInstances: 2 },
          { cron: '0 9 * *', timeZone: 'Mars/Olympus', desired: 2 },
          { cron: '0 9 * * *', minInstances: 3, maxInstances: 2 },
          { cron: '0 9 * * *' },
          { cron: '0 9 * * *', desired: 2, instances: 4 },
        ],
      },
    });
    const text = problems.join('\n');
    expect(text).toContain('scaling.schedule[0].cron');
    expect(text).toContain(
      '"61 * * * *" is not a cron expression: Field value (61) is out of range',
    );
    expect(text).toContain('scaling.schedule[1].cron');
    expect(text).toContain('"0 9 * *" has 4 fields');
    expect(text).toContain('scaling.schedule[1].timeZone');
    expect(text).toContain('"Mars/Olympus" is not an IANA time zone name');
    expect(text).toContain('scaling.schedule[2].maxInstances');
    expect(text).toContain(
      'this entry sets nothing: give at least one of minInstances, maxInstances, desired',
    );
    expect(text).toContain('scaling.schedule[4].instances');
  });

  it('checks the server group policy and the zone list', () => {
    const text = problemsOf({
      provider: {
        openstack: {
          serverGroup: { name: 'web', policy: 'spread' },
          availabilityZones: ['az1', 'az1'],
        },
      },
    }).join('\n');
    expect(text).toContain('provider.openstack.serverGroup.policy');
    expect(text).toContain('one of: anti-affinity, soft-anti-affinity, affinity, soft-affinity');
    expect(text).toContain('provider.openstack.availabilityZones');
    expect(text).toContain('distinct availability zone names');
    const config = load({
      provider: { openstack: { serverGroup: { name: 'web' }, availabilityZones: ['az1', 'az2'] } },
    });
    expect(config.provider.openstack.serverGroup).toMatchObject({
      name: 'web',
      policy: 'soft-anti-affinity',
    });
  });
});
