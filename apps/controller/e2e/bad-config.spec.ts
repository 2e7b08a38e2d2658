import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ControllerProcess, WORKSPACE_ROOT } from './support/controller-process';

/** The built controller refuses a bad configuration with exit code 2 and one line per bad field. */
describe('controller start-up with a bad configuration', () => {
  jest.setTimeout(30_000);
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'controller-bad-config-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('exits 2 listing every invalid field, from the file and the environment, before starting anything', async () => {
    const file = path.join(dir, 'controller.yaml');
    fs.writeFileSync(
      file,
      [
        'scaling:',
        '  thresholdRequests: ten',
        '  maxInstance: 3',
        'health:',
        '  failuresToEject: 0',
        'provider:',
        '  kind: aws',
      ].join('\n'),
    );
    const controller = ControllerProcess.run(['--config', file], {
      OSA_ADMIN__LISTEN_PORT: '99999',
    });
    const exit = await controller.exited;
    expect(exit).toEqual({ code: 2, signal: null });
    const problems = controller.lines.filter((line) => line.startsWith('  - '));
    expect(problems).toEqual([
      '  - admin.listenPort = 99999: must be an integer from 0 to 65535 (from OSA_ADMIN__LISTEN_PORT)',
      `  - provider.kind = "aws": must be one of: local, openstack (from ${file})`,
      expect.stringMatching(
        /^ {2}- scaling\.maxInstance = 3: unknown key \(allowed here: thresholdRequests, maxInstances, /,
      ),
      `  - scaling.thresholdRequests = "ten": must be an integer from 1 to 1000000000 (from ${file})`,
      `  - health.failuresToEject = 0: must be an integer from 1 to 100 (from ${file})`,
    ]);
    expect(controller.output).toContain('invalid controller configuration (5 problems)');
    expect(controller.output).not.toMatch(/listening|starting: pid/);
  });

  it('exits 2 naming the OpenStack credential problem when neither OS_CLOUD nor OS_AUTH_URL is usable', async () => {
    const controller = ControllerProcess.run([], {
      OSA_PROVIDER__KIND: 'openstack',
      OSA_ADMIN__LISTEN_PORT: '0',
      OSA_PROXY__LISTEN_PORT: '0',
      OSA_PROXY__LISTEN_HOST: '127.0.0.1',
      HOME: dir,
    });
    const exit = await controller.exited;
    expect(exit).toEqual({ code: 2, signal: null });
    expect(controller.output).toMatch(/invalid OpenStack credentials configuration: .*OS_/);
  });

  it('--check-config prints every bad field and exits 2, or says the configuration is valid and exits 0, starting nothing', async () => {
    const bad = path.join(dir, 'bad.yaml');
    fs.writeFileSync(
      bad,
      [
        'scaling:',
        '  thresholdRequests: 0',
        '  traffic: pool',
        'health:',
        '  failuresToEject: 0',
      ].join('\n'),
    );
    const refused = ControllerProcess.run(['--check-config'], { OSA_CONFIG: bad });
    expect(await refused.exited).toEqual({ code: 2, signal: null });
    expect(refused.lines.filter((line) => line.startsWith('  - '))).toEqual([
      `  - scaling.thresholdRequests = 0: must be an integer from 1 to 1000000000 (from ${bad})`,
      `  - health.failuresToEject = 0: must be an integer from 1 to 100 (from ${bad})`,
    ]);

    const good = path.join(dir, 'good.yaml');
    // Ports that are surely taken would make a real start fail: --check-config must not bind them.
    fs.writeFileSync(
      good,
      [
        'scaling:',
        '  traffic: pool',
        'proxy:',
        '  listenPort: 1',
        'admin:',
        '  listenPort: 1',
      ].join('\n'),
    );
    const accepted = ControllerProcess.run(['--check-config', '--config', good], {
      CONTROLLER_CONFIG: bad,
    });
    expect(await accepted.exited).toEqual({ code: 0, signal: null });
    expect(accepted.lines).toEqual(
      expect.arrayContaining([
        'controller: warning: CONTROLLER_CONFIG is deprecated: set OSA_CONFIG instead (ignored here: --config is given)',
        'controller: warning: scaling.traffic is deprecated: use traffic.mode (same values)',
        `controller: configuration is valid (${good}; provider local)`,
      ]),
    );
    expect(accepted.output).not.toMatch(/listening|starting: pid|service-vm-1/);
  });

  it('--version prints the workspace version and commit and exits 0', async () => {
    const version = JSON.parse(fs.readFileSync(path.join(WORKSPACE_ROOT, 'package.json'), 'utf8'))
      .version as string;
    const controller = ControllerProcess.run(['--version'], {});
    expect(await controller.exited).toEqual({ code: 0, signal: null });
    expect(controller.lines[0]).toMatch(
      new RegExp(
        `^openstack-autoscaler controller ${version.replace(/\./g, '\\.')} \\(commit ([0-9a-f]{12}|unknown)\\)$`,
      ),
    );
  });
});
