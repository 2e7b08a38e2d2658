import { ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import { ControllerProcess, WORKSPACE_ROOT } from './support/controller-process';
import { ownLoopbackPrefix } from './support/loopback';
import { operatorControllerConfig } from './support/operator-controller-config';
import { runSeedLoadLoop } from './support/seed-load-loop';
import { LOGGED } from './support/log-lines';

const OSA_BIN = path.join(WORKSPACE_ROOT, 'tools/osa/bin/osa.cjs');
const ADMIN_TOKEN = `osa-${'5e4d3c2b1a09'.repeat(4)}`;

interface OsaRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The `osa` CLI as a user runs it (`npx osa` runs this same bin), against the built controller. */
class OsaProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly done: Promise<OsaRun>;

  constructor(args: string[], env: Record<string, string>) {
    this.child = spawn(process.execPath, [OSA_BIN, ...args], {
      cwd: WORKSPACE_ROOT,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (this.stdout += chunk));
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.done = new Promise((resolve) =>
      this.child.once('close', (code) =>
        resolve({ code, stdout: this.stdout, stderr: this.stderr }),
      ),
    );
  }

  async waitForOutput(pattern: RegExp, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(this.stdout)) {
      if (Date.now() > deadline)
        throw new Error(
          `osa printed no ${pattern} within ${timeoutMs} ms:\n${this.stdout}\n${this.stderr}`,
        );
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

describe('osa CLI against a running controller (local provider)', () => {
  jest.setTimeout(120_000);
  let controller: ControllerProcess | undefined;
  let follower: OsaProcess | undefined;

  afterEach(async () => {
    if (follower && follower.child.exitCode === null) follower.child.kill('SIGKILL');
    follower = undefined;
    await controller?.stop();
    controller = undefined;
  });

  it('follows a scale-out live, reads and steers the controller, and exits 0/1/2 with a one-line reason', async () => {
    const prefix = ownLoopbackPrefix();
    controller = ControllerProcess.start(
      operatorControllerConfig(prefix, { bearerToken: ADMIN_TOKEN }),
    );
    const { proxy, admin } = await controller.addresses();
    await controller.waitForLog(LOGGED.originalAdmitted, 20_000);
    const env = { OSA_URL: `http://${admin.host}:${admin.port}`, OSA_ADMIN_TOKEN: ADMIN_TOKEN };
    const osa = (...args: string[]): Promise<OsaRun> => new OsaProcess(args, env).done;

    // --follow prints each transition of the scale-out as it happens, with its elapsed time.
    follower = new OsaProcess(['event', 'list', '--follow'], env);
    await follower.waitForOutput(/traffic-switch/, 20_000);
    await runSeedLoadLoop({
      host: proxy.host,
      port: proxy.port,
      pauseMs: 50,
      maxRequests: 400,
      maxDurationMs: 30_000,
      until: (replies) => replies.some((reply) => reply.status === 503),
    });
    await follower.waitForOutput(/health-checking -> admitted after \d+ms/, 20_000);
    const followed = follower.stdout.split('\n').filter((line) => / scale-out #1 /.test(line));
    expect(followed).toEqual([
      expect.stringMatching(
        /scale-out #1 service-auto-\w+: started in creating \(request 3 since the last scale event/,
      ),
      expect.stringMatching(/: creating -> booting after \d+ms \(total /),
      expect.stringMatching(/: booting -> addressing after [\d.]+m?s \(total /),
      expect.stringMatching(/: addressing -> health-checking after [\d.]+m?s \(total /),
      expect.stringMatching(
        /: health-checking -> admitted after [\d.]+m?s \(total [\d.]+m?s\): admitted at /,
      ),
    ]);
    follower.child.kill('SIGINT');
    expect((await follower.done).code).toBe(0);

    expect(await osa('status', '-f', 'value', '-c', 'desired', '-c', 'gate')).toEqual({
      code: 0,
      stdout: '2\nopen\n',
      stderr: '',
    });
    const listed = await osa('instance', 'list', '-f', 'json');
    const instances = JSON.parse(listed.stdout) as Array<{
      Name: string;
      Role: string;
      Phase: string;
    }>;
    expect(instances.map((instance) => [instance.Role, instance.Phase])).toEqual([
      ['original', 'admitted'],
      ['clone', 'admitted'],
    ]);
    const clone = instances[1].Name;
    expect((await osa('instance', 'show', clone, '-f', 'value', '-c', 'phase')).stdout).toBe(
      'admitted\n',
    );
    expect(
      (await osa('event', 'list', '--since', '10m', '-f', 'value', '-c', 'Kind', '-c', 'State'))
        .stdout,
    ).toMatch(/^traffic-switch switched\nscale-out #1 admitted\n/);
    expect((await osa('config', 'show', '-f', 'value', '-c', 'admin.bearerToken')).stdout).toBe(
      '***\n',
    );
    expect((await osa('scale', 'pause')).code).toBe(0);
    expect((await osa('status', '-f', 'value', '-c', 'autoscaling')).stdout).toBe('paused\n');

    const removed = await osa('instance', 'remove', clone);
    expect([removed.code, removed.stdout]).toEqual([0, expect.stringContaining('is draining')]);
    const deadline = Date.now() + 20_000;
    let names = '';
    while (Date.now() < deadline) {
      names = (await osa('instance', 'list', '-f', 'value', '-c', 'Name')).stdout;
      if (names === 'service-vm-1\n') break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(names).toBe('service-vm-1\n');

    // 1: the controller refused; 2: bad usage or unreachable. One line each, never the token.
    const refused = await osa('scale', 'set', '--desired', '9');
    expect(refused).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'osa: the controller refused (HTTP 400): desired = 9: must be from scaling.minInstances (1) to scaling.maxInstances (3)\n',
    });
    const noToken = await new OsaProcess(['status'], { OSA_URL: env.OSA_URL }).done;
    expect([noToken.code, noToken.stderr]).toEqual([
      1,
      expect.stringMatching(
        /^osa: the controller refused \(HTTP 401\): .*set OSA_ADMIN_TOKEN.*\n$/,
      ),
    ]);
    const usage = await osa('scale', 'set', '--desired', 'many');
    expect([usage.code, usage.stderr]).toEqual([
      2,
      'osa: --desired = "many": must be a whole number of instances\n',
    ]);
    const unreachable = await osa('status', '--url', `http://${prefix}.203:9`);
    expect([unreachable.code, unreachable.stderr]).toEqual([
      2,
      expect.stringMatching(/^osa: cannot reach the controller at http:\/\/[\d.]+:9: ECONNREFUSED/),
    ]);
    for (const run of [refused, noToken, usage, unreachable])
      expect(run.stderr).not.toContain(ADMIN_TOKEN);
  });
});
