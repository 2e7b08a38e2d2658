/**
 * The built workload runner (dist/tools/devcloud-workload/main.js), started as a real child
 * process exactly as the devcloud starts a server's workload (argv from DEVCLOUD_VM_CMD's
 * placeholders, env DEVCLOUD_*), with user data from the REAL bake generator and the real service
 * bundle, each server on its own 127.x address. The `test` target builds tools and service first.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildCloudInitUserData, type CloudInitUserData } from '../bake-image/cloud-init-user-data';
import { bootServer, makeServer, RUNNER, stopAllBoots } from '../test-support/workload-vm';

const WORKSPACE_ROOT = path.resolve(__dirname, '../..');
const BUNDLE = path.join(WORKSPACE_ROOT, 'dist/apps/service/main.js');
const UNIT = path.join(WORKSPACE_ROOT, 'apps/service/deploy/service-app.service');
const SERVICE_PORT = 5000;

function bakeUserData(
  overrides: { unitText?: string; healthAttempts?: number } = {},
): CloudInitUserData {
  return buildCloudInitUserData({
    bundle: fs.readFileSync(BUNDLE),
    unitText: overrides.unitText ?? fs.readFileSync(UNIT, 'utf8'),
    bakeId: `wr-${randomBytes(4).toString('hex')}`,
    servicePort: SERVICE_PORT,
    healthPath: '/healthz',
    healthAttempts: overrides.healthAttempts,
  });
}

function get(ip: string, urlPath: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: ip, port: SERVICE_PORT, path: urlPath, timeout: 5_000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

describe('devcloud workload runner (the built bundle, as the devcloud starts it)', () => {
  let root: string;

  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'workload-runner-'));
  });

  afterEach(async () => {
    await stopAllBoots();
  });

  afterAll(() => {
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('first boot applies the bake user data: service answers /work on the server address, ready marker only after it answers; a clone of the disk runs it without user data', async () => {
    const userData = bakeUserData();
    const base = makeServer(root, userData.text);
    const first = bootServer(base, 'service-vm-1');

    const readyLine = await first.line(new RegExp(userData.readyLine));
    // The marker is printed after the check passed: the service answers right now, and its own
    // "listening" line came before the marker on the console.
    expect((await get(base.ip, '/healthz')).status).toBe(200);
    const lines = first.console.split('\n');
    const listening = lines.findIndex((l) =>
      l.includes(`service: listening on ${base.ip}:${SERVICE_PORT}`),
    );
    const ready = lines.findIndex((l) => l.includes(userData.readyLine));
    expect(listening).toBeGreaterThanOrEqual(0);
    expect(listening).toBeLessThan(ready);
    expect(readyLine).toContain(`http://localhost:${SERVICE_PORT}/healthz healthy after`);
    expect(first.console).not.toContain(userData.failedLine);
    expect(first.console).toContain(`[workload] booting service-vm-1 (instance ${base.uuid})`);
    // --unit-env reaches the unit (the unit's own Environment= does not set it).
    expect(lines[listening]).toContain('WORK_DELAY_MS=7');
    const work = await get(base.ip, '/work');
    expect(work.status).toBe(200);
    expect(work.body).toMatch(/^hello 1 from /);

    // write_files went into the disk with the decoded content and modes; the unit is enabled there.
    expect(
      fs.readFileSync(path.join(base.disk, 'opt/service/main.js')).equals(fs.readFileSync(BUNDLE)),
    ).toBe(true);
    expect(fs.statSync(path.join(base.disk, 'var/lib/osa-bake/ready-check.sh')).mode & 0o777).toBe(
      0o755,
    );
    expect(
      fs.statSync(path.join(base.disk, 'etc/systemd/system/service-app.service')).mode & 0o777,
    ).toBe(0o644);
    const link = path.join(
      base.disk,
      'etc/systemd/system/multi-user.target.wants/service-app.service',
    );
    expect(fs.readlinkSync(link)).toBe('../service-app.service');
    expect(
      fs.existsSync(
        path.join(base.disk, `var/lib/cloud/instances/${base.uuid}/sem/config_user_data`),
      ),
    ).toBe(true);
    expect(first.console).toMatch(/packages: nodejs, curl: satisfied by the host \(node v/);
    // The stand-in wrappers the runner generated are valid shell.
    for (const standIn of ['systemctl', 'curl', 'journalctl']) {
      const check = spawnSync(
        'bash',
        ['-n', path.join(base.dir, `workload-run-${base.ip}/bin`, standIn)],
        {
          encoding: 'utf8',
        },
      );
      expect([standIn, check.status, check.stderr]).toEqual([standIn, 0, '']);
    }

    // SIGTERM (how the devcloud stops a server) stops the unit and the runner.
    expect(await first.stop()).toBe(0);
    // Nothing answers any more: refused, or (seen once on a loaded CI machine) a connection taken
    // by the closing listener and reset without a response.
    await expect(get(base.ip, '/healthz')).rejects.toThrow(
      /ECONNREFUSED|ECONNRESET|socket hang up/,
    );

    // A clone: the disk copied (snapshot -> image -> new server), no user data, a new id and address.
    const clone = makeServer(root, undefined, base.disk);
    const cloneBoot = bootServer(clone, 'service-auto-1');
    await cloneBoot.line(
      new RegExp(`service: listening on ${clone.ip.replace(/\./g, '\\.')}:${SERVICE_PORT}`),
    );
    expect((await get(clone.ip, '/work')).body).toMatch(/^hello 1 from /);
    expect(cloneBoot.console).toContain('[workload] no user data');
    expect(cloneBoot.console).not.toMatch(/write_files:|OSA-BAKE-READY/);
  });

  it('a second boot of the same instance runs the enabled unit and does not apply the user data again', async () => {
    const userData = bakeUserData();
    const server = makeServer(root, userData.text);
    const first = bootServer(server);
    await first.line(new RegExp(userData.readyLine));
    await first.stop();

    const again = bootServer(server);
    await again.line(/service: listening on/);
    expect(again.console).toContain(`user data already applied for instance ${server.uuid}`);
    expect(again.console).not.toContain(userData.readyLine);
    expect((await get(server.ip, '/healthz')).status).toBe(200);
  });

  it('restarts a unit that exits (Restart=always)', async () => {
    const userData = bakeUserData();
    const server = makeServer(root, userData.text);
    const b = bootServer(server);
    await b.line(new RegExp(userData.readyLine));
    const started = await b.line(/Started service-app\.service.*\(pid (\d+)/);
    const pid = Number(/\(pid (\d+)/.exec(started)?.[1]);
    process.kill(pid, 'SIGKILL');
    await b.line(/service-app\.service: Restart=always, restarting/);
    const restarted = b.console.split('\n').filter((l) => /Started service-app\.service/.test(l));
    await b.line(new RegExp(`service-app\\[(?!${pid}\\])\\d+\\]: service: listening on`));
    expect(restarted.length).toBeGreaterThanOrEqual(1);
    expect((await get(server.ip, '/healthz')).status).toBe(200);
  });

  it('prints the failed marker, never the ready marker, when the service cannot answer', async () => {
    // The unit runs, but the service listens on another port than the one the check polls.
    const unitText = fs.readFileSync(UNIT, 'utf8').replace(/PORT=5000/, 'PORT=5001');
    const userData = bakeUserData({ unitText, healthAttempts: 2 });
    const server = makeServer(root, userData.text);
    const b = bootServer(server);
    const failed = await b.line(new RegExp(userData.failedLine));
    expect(failed).toContain('not healthy after 2 attempts');
    expect(b.console).not.toContain(userData.readyLine);
  });

  it('reports at once, not after every health attempt, when systemd gave up on the unit (start limit)', async () => {
    // Exits at every start; Restart=always reaches the start limit within a second or so.
    const unitText = fs.readFileSync(UNIT, 'utf8').replace(/PORT=5000/, 'PORT=notaport');
    const userData = bakeUserData({ unitText }); // 90 attempts, 2 s apart: 3 minutes if not cut short
    const server = makeServer(root, userData.text);
    const b = bootServer(server);
    const failed = await b.line(new RegExp(userData.failedLine));
    expect(failed).toMatch(/service-app\.service failed: /);
    expect(failed).not.toContain('not healthy after');
    expect(b.console).toMatch(/start request repeated too quickly/);
  });

  it('an empty disk without user data runs nothing and says so, and stays up until SIGTERM', async () => {
    const server = makeServer(root);
    const b = bootServer(server, 'ubuntu-vm');
    await b.line(/nothing to run: the disk has no enabled unit and there is no user data/);
    await expect(get(server.ip, '/healthz')).rejects.toThrow(/ECONNREFUSED/);
    expect(b.child.exitCode).toBeNull();
    expect(await b.stop()).toBe(0);
  });

  it('refuses a bad command line with the field and what is allowed', () => {
    const result = spawnSync(
      process.execPath,
      [
        RUNNER,
        '--dir',
        '/tmp/x',
        '--disk',
        '/tmp/x/disk',
        '--ip',
        'nope',
        '--port',
        '5000',
        '--name',
        'n',
      ],
      {
        encoding: 'utf8',
        env: { PATH: process.env['PATH'], DEVCLOUD_UUID: randomUUID() },
      },
    );
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('--ip: "nope" is not an IP address');
  });
});
