/**
 * What the controller VM runs, for real: the user data deploy-controller generates, booted by the
 * built devcloud workload runner (its disk is the VM's root), the release and credentials put on
 * that disk by the real disk delivery, the installer checking the sha256 and starting the unit,
 * and the shipped Node running the built controller from the disk. The controller talks to the
 * fake OpenStack with an application credential limited by the controller's access rules (the
 * fake enforces them), and scales out: the original answers, then 503, then the clone.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { OpenStackClient, Secret } from '@osa/openstack-client';
import { cloudInitSchemaCheck, FakeOpenStack, findSystemTool } from '@osa/openstack-testkit';
import { CONTROLLER_ACCESS_RULES } from './controller-access-rules';
import { buildControllerRelease, type ControllerRelease } from './controller-release';
import {
  controllerEnvFile,
  controllerUserData,
  controllerYamlForVm,
  installerScript,
  vmCloudsYaml,
} from './controller-vm-files';
import { DiskDelivery } from './delivery/disk-delivery';
import { seedVmKey } from '../test-support/fake-cloud-seed';
import { bootServer, loopbackAddress, makeServer, stopAllBoots } from '../test-support/workload-vm';

jest.setTimeout(120_000);
const WORKSPACE_ROOT = path.resolve(__dirname, '../..');
const SERVICE_BUNDLE = path.join(WORKSPACE_ROOT, 'dist/apps/service/main.js');

let root: string;
let release: ControllerRelease;
const services: ChildProcess[] = [];

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'controller-vm-'));
  release = buildControllerRelease(WORKSPACE_ROOT, process.execPath, path.join(root, 'release'));
});

afterEach(async () => {
  await stopAllBoots();
  for (const child of services.splice(0)) child.kill('SIGTERM');
});

afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** The service bundle on a loopback address (what service-vm-1 and the clone run). */
async function startService(host: string): Promise<void> {
  const child = spawn(process.execPath, [SERVICE_BUNDLE], {
    env: { PATH: process.env['PATH'], HOST: host, PORT: '5000', WORK_DELAY_MS: '0' },
    stdio: 'ignore',
  });
  services.push(child);
  for (let i = 0; i < 100; i++) {
    if ((await get(host, 5000, '/healthz').catch(() => undefined))?.status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`service on ${host} did not start`);
}

function get(
  host: string,
  port: number,
  urlPath: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      { host, port, path: urlPath, headers, timeout: 5_000, agent: false },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString('utf8')));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

const deployId = (): string => `t${randomBytes(4).toString('hex')}`;

describe('the controller VM, booted by the workload runner from the generated user data', () => {
  it('installs the verified release, runs the controller from the disk with its application credential, and scales out through the cloud', async () => {
    const cloud = await FakeOpenStack.start({ profile: 'devcloud' });
    cloud.accessRules = 'enforced';
    const clientAddress = loopbackAddress().replace(/\.\d+$/, '');
    const original = `${clientAddress}.11`;
    const cloneAddress = `${clientAddress}.12`;
    await startService(original);
    await startService(cloneAddress);
    cloud.setServerBehaviour(
      { address: () => cloneAddress, bootDelayMs: 300 },
      { namePrefix: 'service-auto-' },
    );
    const client = OpenStackClient.fromEnvironment({
      env: cloud.openrcEnv(),
      cwd: root,
      homeDir: root,
    });
    try {
      const image = await client.image.images.create({
        name: 'service-golden',
        diskFormat: 'raw',
        containerFormat: 'bare',
      });
      await client.image.images.upload(image.id, Buffer.from('golden'));
      // The seed's key pair, which the controller's servers get (its default keyName).
      seedVmKey(cloud);
      const credential = await client.identity.applicationCredentials.create('vm-test', {
        roles: ['member'],
        accessRules: [...CONTROLLER_ACCESS_RULES],
      });

      const id = deployId();
      const server = makeServer(
        root,
        controllerUserData({
          deployId: id,
          releaseSha256: release.sha256,
          sshUser: 'ubuntu',
          uploadWaitSeconds: 60,
        }).text,
      );
      const adminPort = 20_000 + (randomBytes(2).readUInt16BE() % 40_000);
      const token = new Secret(randomBytes(32).toString('hex'));
      const yaml = controllerYamlForVm(
        'test.yaml',
        `provider:\n  kind: openstack\n  openstack:\n    originalUrl: http://${original}:5000\n    image: service-golden\n    flavor: m1.tiny\n    network: test\nscaling:\n  thresholdRequests: 3\n  statusPollInitialMs: 100\nhealth:\n  intervalMs: 100\n`,
        { listenHost: server.ip, proxyPort: 8000, adminHost: server.ip, adminPort },
      );
      const vm = bootServer(server, 'controller');
      await vm.line(/osa-deploy: waiting for the release/);
      await new DiskDelivery(path.dirname(server.dir), 'ubuntu').deliver(
        { serverId: path.basename(server.dir), address: server.ip },
        {
          release: release.file,
          controllerYaml: yaml.text,
          cloudsYaml: vmCloudsYaml({
            authUrl: cloud.authUrl,
            regionName: cloud.region,
            interface: 'public',
            applicationCredentialId: credential.id,
            applicationCredentialSecret: credential.secret,
          }),
          controllerEnv: controllerEnvFile(token),
        },
        Date.now() + 30_000,
        new AbortController().signal,
        () => undefined,
      );
      const ready = await vm.line(new RegExp(`OSA-DEPLOY-READY:${id}`), 60_000);
      expect(ready).toContain(
        `release sha256 ${release.sha256} verified, node ${process.version}, osa-controller.service active`,
      );
      // On the disk, as on a VM: the release under /opt, the config and secrets in /etc/osa with their modes, no upload left.
      const disk = server.disk;
      expect(fs.statSync(path.join(disk, 'opt/osa/controller/bin/node')).mode & 0o111).not.toBe(0);
      expect(fs.statSync(path.join(disk, 'etc/osa/clouds.yaml')).mode & 0o777).toBe(0o600);
      expect(fs.statSync(path.join(disk, 'etc/osa/controller.env')).mode & 0o777).toBe(0o600);
      expect(fs.statSync(path.join(disk, 'etc/osa')).mode & 0o777).toBe(0o750);
      expect(fs.existsSync(path.join(disk, 'home/ubuntu/osa-incoming'))).toBe(false);
      expect(
        fs.readlinkSync(
          path.join(disk, 'etc/systemd/system/multi-user.target.wants/osa-controller.service'),
        ),
      ).toBe('../osa-controller.service');
      // The unit runs the shipped node from the disk, not the host's.
      await vm.line(
        new RegExp(
          `Started osa-controller\\.service: ${'/opt/osa/controller/bin/node'.replace(/\//g, '\\/')}`,
        ),
      );

      // The seed's loop against the controller on the VM's address: original, 503, then the clone.
      let answer = await waitFor(
        () => get(server.ip, 8000, '/work'),
        (a) => a.status === 200,
      );
      const seen = [answer.headers['x-instance-address']];
      for (
        let i = 0;
        i < 60 && answer.headers['x-instance-address'] !== `${cloneAddress}:5000`;
        i++
      ) {
        answer = await get(server.ip, 8000, '/work');
        seen.push(answer.status === 503 ? '503' : answer.headers['x-instance-address']);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(seen.slice(0, 2)).toEqual([`${original}:5000`, `${original}:5000`]);
      expect(seen).toContain('503');
      expect(seen[seen.length - 1]).toBe(`${cloneAddress}:5000`);
      // Every cloud call it made passed the access rules (the fake refuses others with 401).
      const controllerCalls = cloud.calls.filter((c) => c.service !== 'identity');
      expect(controllerCalls.filter((c) => c.status === 401)).toEqual([]);
      expect(cloud.callsTo('compute', 'POST', /\/servers$/)).toHaveLength(1);
      // The admin listener was asked for here: it wants the token from the EnvironmentFile.
      expect((await get(server.ip, adminPort, '/v1/status')).status).toBe(401);
      expect(
        (
          await get(server.ip, adminPort, '/v1/status', {
            authorization: `Bearer ${token.reveal()}`,
          })
        ).status,
      ).toBe(200);
      // Nothing secret on the console.
      expect(vm.console).not.toContain(credential.secret.reveal());
      expect(vm.console).not.toContain(token.reveal());
    } finally {
      client.close();
      await stopAllBoots();
      await cloud.stop();
    }
  });

  it('refuses a release whose sha256 is not the one in the user data: nothing installed, nothing started', async () => {
    const id = deployId();
    const server = makeServer(
      root,
      controllerUserData({
        deployId: id,
        releaseSha256: 'f'.repeat(64),
        sshUser: 'ubuntu',
        uploadWaitSeconds: 60,
      }).text,
    );
    const vm = bootServer(server, 'controller');
    await new DiskDelivery(path.dirname(server.dir), 'ubuntu').deliver(
      { serverId: path.basename(server.dir), address: server.ip },
      {
        release: release.file,
        controllerYaml: 'x: 1\n',
        cloudsYaml: new Secret('clouds: {}\n'),
        controllerEnv: new Secret(''),
      },
      Date.now() + 30_000,
      new AbortController().signal,
      () => undefined,
    );
    const failed = await vm.line(new RegExp(`OSA-DEPLOY-FAILED:${id}`), 30_000);
    expect(failed).toContain(
      `release sha256 is ${release.sha256}, expected ${'f'.repeat(64)}: not installed`,
    );
    expect(fs.existsSync(path.join(server.disk, 'opt/osa/controller'))).toBe(false);
    expect(vm.console).not.toMatch(/Started osa-controller/);
  });

  it('the installer is valid bash, and the user data a valid cloud-config under 64 KiB (real cloud-init where installed)', () => {
    const input = {
      deployId: 'abc-123',
      releaseSha256: 'a'.repeat(64),
      sshUser: 'ubuntu',
      uploadWaitSeconds: 600,
    };
    const check = spawnSync('bash', ['-n'], { input: installerScript(input), encoding: 'utf8' });
    expect([check.status, check.stderr]).toEqual([0, '']);
    const userData = controllerUserData(input);
    expect(userData.base64Bytes).toBeLessThan(65_535);
    if (!findSystemTool('cloud-init')) {
      process.stderr.write(
        '[controller-vm.spec] cloud-init is not installed (apt-get install -y cloud-init): schema check skipped\n',
      );
      return;
    }
    const verdict = cloudInitSchemaCheck(userData.text);
    expect([verdict.status, verdict.output]).toEqual([
      0,
      expect.stringContaining('Valid cloud-config'),
    ]);
  });
});

async function waitFor<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read().catch(() => undefined);
    if (value !== undefined && done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`not done within ${timeoutMs} ms (last: ${JSON.stringify(value)})`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
