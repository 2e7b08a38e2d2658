import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError } from './config-error';
import { ConfigInputs, loadControllerConfig, LoadedControllerConfig } from './config-loader';
import { ControllerConfig } from './controller-config';

describe('loadControllerConfig', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'controller-config-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  function inputs(overrides: Partial<ConfigInputs> = {}): ConfigInputs {
    return {
      argv: [],
      env: {},
      cwd: dir,
      homeDir: dir,
      readTextFile: (filePath) =>
        fs.existsSync(filePath) ? fs.readFileSync(filePath, 'utf8') : undefined,
      ...overrides,
    };
  }
  function load(overrides: Partial<ConfigInputs> = {}): LoadedControllerConfig {
    const request = loadControllerConfig(inputs(overrides));
    if (request.kind !== 'run') throw new Error('expected a run request');
    return request.loaded;
  }
  function problemsOf(overrides: Partial<ConfigInputs>): string[] {
    try {
      load(overrides);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as ConfigError).message.split('\n').slice(1);
    }
    throw new Error('expected a ConfigError');
  }
  function writeConfig(name: string, text: string): string {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
  }

  it('gives the seed scenario on the local provider when nothing is configured', () => {
    const { config, origin } = load();
    expect(origin.file).toBeUndefined();
    expect(config.proxy.listenHost).toBe('0.0.0.0');
    expect(config.proxy.listenPort).toBe(8000);
    expect(config.admin).toMatchObject({ listenHost: '127.0.0.1', listenPort: 8001 });
    expect(config.provider.kind).toBe('local');
    expect(config.provider.originalName).toBe('service-vm-1');
    expect(config.provider.local.bootDelayMs).toBe(3000);
    expect(config.provider.local.bundlePath).toBe(path.join(dir, 'dist/apps/service/main.js'));
    expect(config.scaling).toMatchObject({
      thresholdRequests: 10,
      maxInstances: 2,
      keepPreviousInstance: true,
    });
    expect(config.traffic).toMatchObject({ mode: 'switch', duringScaleOut: 'reject' });
    expect(config.health).toMatchObject({
      path: '/healthz',
      passesToAdmit: 2,
      failuresToEject: 3,
      intervalMs: 500,
    });
    expect(config.scaling).toBeInstanceOf(Object);
    expect(config).toBeInstanceOf(ControllerConfig);
  });

  it('reads ./controller.yaml when present, keeping defaults for what it does not set', () => {
    writeConfig('controller.yaml', 'scaling:\n  thresholdRequests: 4\nhealth:\n');
    const { config, origin } = load();
    expect(origin.file).toBe(path.join(dir, 'controller.yaml'));
    expect(config.scaling.thresholdRequests).toBe(4);
    expect(config.scaling.maxInstances).toBe(2);
    expect(config.health.passesToAdmit).toBe(2);
  });

  it('prefers --config over OSA_CONFIG over ./controller.yaml, and OSA_CONFIG is not an override', () => {
    writeConfig('controller.yaml', 'scaling: { thresholdRequests: 1 }');
    const fromEnv = writeConfig('env.yaml', 'scaling: { thresholdRequests: 2 }');
    writeConfig('cli.yaml', 'scaling: { thresholdRequests: 3 }');
    expect(load().config.scaling.thresholdRequests).toBe(1);
    const viaEnv = load({ env: { OSA_CONFIG: fromEnv } });
    expect(viaEnv.config.scaling.thresholdRequests).toBe(2);
    expect(viaEnv.origin).toEqual({ file: fromEnv, envOverrides: [] });
    expect(viaEnv.warnings).toEqual([]);
    expect(
      load({ env: { OSA_CONFIG: fromEnv }, argv: ['--config', 'cli.yaml'] }).config.scaling
        .thresholdRequests,
    ).toBe(3);
    expect(load({ argv: ['--config=env.yaml'] }).config.scaling.thresholdRequests).toBe(2);
    expect(load({ argv: ['-c', 'cli.yaml'] }).config.scaling.thresholdRequests).toBe(3);
  });

  it('still reads the old CONTROLLER_CONFIG, with a warning naming OSA_CONFIG; OSA_CONFIG wins when both are set', () => {
    const old = writeConfig('old.yaml', 'scaling: { thresholdRequests: 4 }');
    const current = writeConfig('new.yaml', 'scaling: { thresholdRequests: 5 }');
    const viaOld = load({ env: { CONTROLLER_CONFIG: old } });
    expect(viaOld.config.scaling.thresholdRequests).toBe(4);
    expect(viaOld.warnings).toEqual(['CONTROLLER_CONFIG is deprecated: set OSA_CONFIG instead']);
    const both = load({ env: { CONTROLLER_CONFIG: old, OSA_CONFIG: current } });
    expect(both.config.scaling.thresholdRequests).toBe(5);
    expect(both.warnings).toEqual([
      'CONTROLLER_CONFIG is deprecated: set OSA_CONFIG instead (ignored here: OSA_CONFIG is given)',
    ]);
  });

  it('accepts the old traffic keys scaling.traffic / scaling.duringScaleOut, moved to traffic: with a warning naming the new key', () => {
    writeConfig(
      'controller.yaml',
      'scaling:\n  traffic: pool\n  duringScaleOut: queue\ntraffic:\n  balancing: round-robin\n',
    );
    const loaded = load();
    expect(loaded.config.traffic).toMatchObject({
      mode: 'pool',
      duringScaleOut: 'queue',
      balancing: 'round-robin',
    });
    expect(loaded.config.scaling).not.toHaveProperty('traffic');
    expect(loaded.warnings).toEqual([
      'scaling.traffic is deprecated: use traffic.mode (same values)',
      'scaling.duringScaleOut is deprecated: use traffic.duringScaleOut (same values)',
    ]);
    // From the environment too, and the new place needs no warning.
    expect(
      load({ env: { OSA_SCALING__DURING_SCALE_OUT: 'serve' } }).config.traffic.duringScaleOut,
    ).toBe('serve');
    writeConfig('controller.yaml', 'traffic:\n  mode: pool\n  duringScaleOut: serve\n');
    expect(load()).toMatchObject({
      config: { traffic: { mode: 'pool', duringScaleOut: 'serve' } },
      warnings: [],
    });
  });

  it('refuses an old traffic key and its new key set to different values', () => {
    writeConfig('controller.yaml', 'scaling:\n  traffic: pool\ntraffic:\n  mode: switch\n');
    expect(problemsOf({})).toEqual([
      '  - scaling.traffic: moved to traffic.mode, which is also set (to "switch"): keep only traffic.mode',
    ]);
  });

  it('lets an OSA_ override of the new key win over the old key in the file (the deprecation is still named)', () => {
    writeConfig('controller.yaml', 'scaling:\n  traffic: pool\n  duringScaleOut: queue\n');
    const loaded = load({
      env: { OSA_TRAFFIC__MODE: 'switch', OSA_TRAFFIC__DURING_SCALE_OUT: 'reject' },
    });
    expect(loaded.config.traffic).toMatchObject({ mode: 'switch', duringScaleOut: 'reject' });
    expect(loaded.warnings).toEqual([
      'scaling.traffic is deprecated: use traffic.mode (ignored here: OSA_TRAFFIC__MODE sets traffic.mode)',
      'scaling.duringScaleOut is deprecated: use traffic.duringScaleOut (ignored here: OSA_TRAFFIC__DURING_SCALE_OUT sets traffic.duringScaleOut)',
    ]);
    // An override of the old key wins over the new key in the file in the same way.
    writeConfig('controller.yaml', 'traffic:\n  mode: switch\n');
    const old = load({ env: { OSA_SCALING__TRAFFIC: 'pool' } });
    expect(old.config.traffic.mode).toBe('pool');
    expect(old.warnings).toEqual([
      'scaling.traffic is deprecated: use traffic.mode (same values; OSA_SCALING__TRAFFIC overrides traffic.mode of the file)',
    ]);
  });

  it('answers --version and --check-config, and lists every bad argument with a "did you mean"', () => {
    expect(loadControllerConfig(inputs({ argv: ['--version'] })).kind).toBe('version');
    const check = loadControllerConfig(inputs({ argv: ['--check-config'] }));
    expect(check.kind).toBe('check');
    expect(problemsOf({ argv: ['--chek-config', '--version=yes', 'extra', '--config'] })).toEqual([
      '  - --chek-config: unknown argument (did you mean --check-config?) (allowed: --config PATH, --check-config, --version, --help)',
      '  - --version: takes no value',
      '  - extra: unexpected argument (allowed: --config PATH, --check-config, --version, --help)',
      '  - --config: needs a file path, e.g. --config controller.yaml',
    ]);
    // A value that is really the next option is not taken as the file.
    expect(problemsOf({ argv: ['--config', '--check-config'] })).toEqual([
      '  - --config: needs a file path, e.g. --config controller.yaml',
    ]);
  });

  it('applies OSA_ environment overrides on top of the file, typed as YAML', () => {
    writeConfig('controller.yaml', 'scaling:\n  thresholdRequests: 4\n');
    const { config, origin } = load({
      env: {
        OSA_SCALING__THRESHOLD_REQUESTS: '7',
        OSA_SCALING__KEEP_PREVIOUS_INSTANCE: 'false',
        OSA_PROVIDER__KIND: 'openstack',
        OSA_PROVIDER__OPENSTACK__SECURITY_GROUPS: '[default, web]',
        OSA_PROXY__LISTEN_PORT: '0',
        UNRELATED: 'x',
      },
    });
    expect(config.scaling.thresholdRequests).toBe(7);
    expect(config.scaling.keepPreviousInstance).toBe(false);
    expect(config.provider.kind).toBe('openstack');
    expect(config.provider.openstack.securityGroups).toEqual(['default', 'web']);
    expect(config.proxy.listenPort).toBe(0);
    expect(origin.envOverrides).toContain('OSA_SCALING__THRESHOLD_REQUESTS');
  });

  it('lists every bad field on its own line with its value, what is allowed and where it came from', () => {
    const file = writeConfig(
      'controller.yaml',
      [
        'scaling:',
        '  thresholdRequests: 0',
        '  maxInstances: many',
        'traffic:',
        '  mode: roundrobin',
        'health:',
        '  path: healthz',
        'admin:',
        '  listenHost: localhost',
        'proxy:',
        '  listenPort: 70000',
        'provider:',
        '  local:',
        '    firstAddress: 10.0.0.1',
      ].join('\n'),
    );
    const lines = problemsOf({ env: { OSA_HEALTH__PASSES_TO_ADMIT: '-1' } });
    expect(lines).toEqual(
      expect.arrayContaining([
        `  - scaling.thresholdRequests = 0: must be an integer from 1 to 1000000000 (from ${file})`,
        `  - scaling.maxInstances = "many": must be an integer from 1 to 1000 (from ${file})`,
        `  - traffic.mode = "roundrobin": must be one of: switch, pool (from ${file})`,
        `  - health.path = "healthz": must be an absolute URL path starting with "/" (e.g. /healthz) (from ${file})`,
        '  - health.passesToAdmit = -1: must be an integer from 1 to 100 (from OSA_HEALTH__PASSES_TO_ADMIT)',
        `  - admin.listenHost = "localhost": must be an IPv4 or IPv6 address literal (e.g. 127.0.0.1, ::1) (from ${file})`,
        expect.stringMatching(/^ {2}- proxy\.listenPort = 70000: .*65535/),
        expect.stringMatching(
          /^ {2}- provider\.local\.firstAddress = "10\.0\.0\.1": must be an IPv4 loopback address/,
        ),
      ]),
    );
    expect(lines).toHaveLength(8);
  });

  it('reads every *Ms key as milliseconds or as a duration with a unit (the format bake-image flags take)', () => {
    writeConfig(
      'controller.yaml',
      'scaling:\n  bootTimeoutMs: 5m\n  statusPollInitialMs: 1500ms\nproxy:\n  upstreamTimeoutMs: 1.5s\n',
    );
    const { config } = load({
      env: { OSA_HEALTH__INTERVAL_MS: '250', OSA_TRAFFIC__QUEUE_MAX_WAIT_MS: '2s' },
    });
    expect([
      config.scaling.bootTimeoutMs,
      config.scaling.statusPollInitialMs,
      config.proxy.upstreamTimeoutMs,
    ]).toEqual([300_000, 1_500, 1_500]);
    expect([config.health.intervalMs, config.traffic.queueMaxWaitMs]).toEqual([250, 2_000]);
    writeConfig(
      'controller.yaml',
      'scaling:\n  bootTimeoutMs: 5 fortnights\n  addressTimeoutMs: -1s\n',
    );
    expect(problemsOf({})).toEqual([
      expect.stringContaining(
        'scaling.bootTimeoutMs = "5 fortnights": must be an integer from 1000 to 86400000 (milliseconds, or a duration such as 1500ms, 90s, 10m, 1h)',
      ),
      expect.stringContaining(
        'scaling.addressTimeoutMs = "-1s": must be an integer from 100 to 3600000',
      ),
    ]);
  });

  it('checks keys that depend on each other', () => {
    writeConfig(
      'controller.yaml',
      'scaling:\n  statusPollInitialMs: 2000\n  statusPollMaxMs: 1000\n',
    );
    expect(problemsOf({})).toEqual([
      expect.stringContaining(
        'scaling.statusPollMaxMs = 1000: must not be less than statusPollInitialMs (2000)',
      ),
    ]);
  });

  it('rejects unknown keys, naming the allowed ones, at every level and from the environment', () => {
    writeConfig('controller.yaml', 'scaling:\n  treshold: 5\nscalling: {}\n');
    const lines = problemsOf({ env: { OSA_HEALTH__INTERVAL: '100' } });
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^ {2}- scaling\.treshold = 5: unknown key \(allowed here: thresholdRequests, maxInstances, .*\)/,
        ),
        expect.stringMatching(
          /^ {2}- scalling = \{\}: unknown key \(allowed here: proxy, admin, provider, scaling, health, traffic, log[,)]/,
        ),
        expect.stringMatching(
          /^ {2}- health\.interval = 100: unknown key .*intervalMs.* \(from OSA_HEALTH__INTERVAL\)$/,
        ),
      ]),
    );
    expect(lines).toHaveLength(3);
  });

  it('validates optional provider keys only when given, and both provider sections whichever is chosen', () => {
    writeConfig(
      'controller.yaml',
      'provider:\n  kind: openstack\n  openstack: { cloud: devcloud }\n',
    );
    expect(load().config.provider.openstack).toMatchObject({
      cloud: 'devcloud',
      imageId: undefined,
      originalUrl: undefined,
    });
    writeConfig(
      'controller.yaml',
      'provider:\n  kind: local\n  local: { bootDelayMs: -5 }\n  openstack: { ipVersion: 5, originalUrl: "http://example.com:5000" }\n',
    );
    const lines = problemsOf({});
    expect(lines).toEqual([
      expect.stringMatching(
        /provider\.local\.bootDelayMs = -5: must be an integer from 0 to 3600000/,
      ),
      expect.stringMatching(/provider\.openstack\.ipVersion = 5: must be 4 or 6/),
      expect.stringMatching(
        /provider\.openstack\.originalUrl = "http:\/\/example\.com:5000": must be an http:\/\/ URL with an IP address/,
      ),
    ]);
  });

  it('takes user-defined server metadata, refusing osa: keys and what Nova would refuse, one reason per bad key', () => {
    writeConfig(
      'controller.yaml',
      'provider:\n  openstack:\n    metadata: { cost-centre: "4711", "team name": web }\n',
    );
    expect(load().config.provider.openstack.metadata).toEqual({
      'cost-centre': '4711',
      'team name': 'web',
    });
    expect(
      load({ env: { OSA_PROVIDER__OPENSTACK__METADATA: '{ tier: gold }' } }).config.provider
        .openstack.metadata,
    ).toEqual({ tier: 'gold' });
    const longKey = 'k'.repeat(256);
    const longValue = 'v'.repeat(256);
    writeConfig(
      'controller.yaml',
      `provider:\n  openstack:\n    metadata: { "osa:group": mine, OSA:Reason: x, ${longKey}: a, "bad/key": b, ok: ${longValue}, cost: 4711 }\n`,
    );
    const lines = problemsOf({});
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^ {2}- provider\.openstack\.metadata = .*: /);
    const reasons = lines[0]
      .slice(lines[0].indexOf(': ', lines[0].indexOf(' = ')) + 2)
      .replace(/ \(from .*\)$/, '')
      .split('; ');
    expect(reasons).toEqual([
      'key "osa:group" is reserved: keys under "osa:" are written by the controller (choose another prefix)',
      'key "OSA:Reason" is reserved: keys under "osa:" are written by the controller (choose another prefix)',
      `key "${longKey}" is not a Nova metadata key: 1 to 255 of letters, digits, "-", "_", ":", "." and space`,
      'key "bad/key" is not a Nova metadata key: 1 to 255 of letters, digits, "-", "_", ":", "." and space',
      'value of "ok" is 256 characters: Nova allows at most 255',
      'value of "cost" must be a string (quote it in YAML: "4711")',
    ]);
  });

  it('masks values of unknown keys that look like secrets', () => {
    writeConfig('controller.yaml', 'provider:\n  openstack:\n    pasword: hunter2\n');
    const lines = problemsOf({});
    expect(lines).toEqual([
      expect.stringContaining('provider.openstack.pasword = ***: unknown key'),
    ]);
    expect(lines.join('\n')).not.toContain('hunter2');
  });

  it('reports a missing file, bad YAML, bad arguments and bad override names', () => {
    expect(problemsOf({ argv: ['--config', 'nope.yaml'] })).toEqual([
      `  - ${path.join(dir, 'nope.yaml')}: config file not found`,
    ]);
    writeConfig('bad.yaml', 'scaling:\n  thresholdRequests: [1\n');
    expect(problemsOf({ argv: ['-c', 'bad.yaml'] })).toEqual([
      expect.stringMatching(/bad\.yaml: not valid YAML at line \d+, column \d+/),
    ]);
    writeConfig('list.yaml', '- a\n- b\n');
    expect(problemsOf({ argv: ['-c', 'list.yaml'] })).toEqual([
      expect.stringContaining('must contain a mapping of sections'),
    ]);
    expect(problemsOf({ argv: ['--verbose'] })).toEqual([
      '  - --verbose: unknown argument (allowed: --config PATH, --check-config, --version, --help)',
    ]);
    expect(problemsOf({ env: { OSA_scaling: '1', OSA_SCALING___X: '1' } })).toHaveLength(2);
  });

  it('answers --help with the usage text instead of loading anything', () => {
    const request = loadControllerConfig(inputs({ argv: ['--help'] }));
    expect(request.kind).toBe('help');
    expect(request.kind === 'help' && request.text).toContain('OSA_<SECTION>__<KEY>');
  });
});
