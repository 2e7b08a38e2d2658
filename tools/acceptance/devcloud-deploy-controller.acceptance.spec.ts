/**
 * Acceptance, seed sections 10-16 on a real OpenStack (the devcloud), with the built CLIs:
 * bake-image, then deploy-controller (disk delivery: the devcloud's servers are processes whose
 * root file system is their disk directory), then the seed's load loop against
 * http://<controller VM address>:8000: requests 1-9 from service-vm-1, 503 + Retry-After while
 * the clone boots, then the clone. The controller runs on "the VM" from its disk, as the workload
 * runner starts the unit the installer enabled, and scales through the real Nova API with the
 * VM's own application credential. `--destroy` then leaves what existed before, checked with the
 * real `openstack` CLI, including `openstack application credential list`.
 *
 * Also the negative half: a bake whose base VM's service never becomes healthy is refused (the
 * VM says so on its console, the bake removes it and makes no image).
 */
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { extractAddress, OpenStackClient } from '@osa/openstack-client';
import { describeWithTools, SYSTEM_TOOLS } from '@osa/openstack-testkit';
import {
  AcceptanceCleanup,
  assertLoopback,
  cloudEnv,
  DEPLOY_CLI,
  describeWithCloud,
  httpGet,
  runBakeCli,
  runTag,
  runToolCli,
  WORKSPACE_ROOT,
  type CliRun,
} from './bake-acceptance-support';

const DISK_ROOT = process.env['OSA_ACC_DISK_ROOT'] ?? '/var/lib/devcloud/vms';
const TIMEOUT_MS = 5 * 60_000;

function openstackCli(...args: string[]): string {
  return execFileSync('openstack', args, { encoding: 'utf8', timeout: 60_000 });
}
/** One column of an `openstack ... list`, only the rows of this run (the devcloud is shared). */
function names(kind: string[], column = 'Name', mine: RegExp = RUN_ROWS): string[] {
  return openstackCli(...kind, '-f', 'value', '-c', 'ID', '-c', 'Name')
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split(' '))
    .filter(([, name]) => mine.test(name ?? ''))
    .map(([id, name]) => (column === 'ID' ? id : name))
    .sort();
}
let RUN_ROWS = /^$/;
function expectDone(run: CliRun, what: string): void {
  if (run.code !== 0)
    throw new Error(`${what} exited ${run.code ?? run.signal}:\n${run.stdout}\n${run.stderr}`);
}

describeWithCloud('deploy-controller acceptance: the controller on its own VM (devcloud)', () => {
  describeWithTools([SYSTEM_TOOLS.openstack], 'bake, deploy, seed load loop, destroy', () => {
    // Bounds for a loaded shared machine; on an idle one the three tests take about 2.5 minutes.
    jest.setTimeout(10 * 60_000);
    const tag = runTag();
    RUN_ROWS = new RegExp(tag);
    const n = {
      sg: `${tag}-sg`,
      key: `${tag}-key`,
      baseVm: `${tag}-service-vm-1`,
      image: `${tag}-service-golden`,
      group: `${tag}-service`,
      controller: `${tag}-controller`,
      controllerSg: `${tag}-controller-sg`,
      badVm: `${tag}-broken-vm`,
      badImage: `${tag}-broken-golden`,
    };
    const cleanup = new AcceptanceCleanup();
    let client: OpenStackClient;
    let dir: string;

    beforeAll(async () => {
      try {
        fs.accessSync(DISK_ROOT, fs.constants.W_OK);
      } catch {
        throw new Error(
          `${DISK_ROOT} is missing or not writable: the disk delivery writes into the devcloud's server disks (run as the devcloud's user, root; or set OSA_ACC_DISK_ROOT)`,
        );
      }
      client = OpenStackClient.fromEnvironment({ overrides: { timeoutMs: 30_000 } });
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-acceptance-'));
      cleanup.add(`remove ${dir}`, async () => fs.rmSync(dir, { recursive: true, force: true }));
      openstackCli('security', 'group', 'create', n.sg, '-f', 'value', '-c', 'id');
      cleanup.add(`delete security group ${n.sg}`, async () =>
        openstackCli('security', 'group', 'delete', n.sg),
      );
      cleanup.add(`delete key pair ${n.key}`, () => client.compute.keypairs.delete(n.key));
      cleanup.add('delete images', async () => {
        for (const image of await client.image.images.list().toArray())
          if (image.name === n.image || image.name === n.badImage)
            await client.image.images.delete(image.id);
      });
      // Registered by name before the CLIs run (they create in child processes): every server and
      // credential of this run, and the controller's security group.
      cleanup.add('delete servers', async () => {
        for (const server of await client.compute.servers.list({ name: `^${tag}` }).toArray()) {
          await client.compute.servers.delete(server.id);
          await client.compute.servers.waitForDeleted(server.id, { timeoutMs: 90_000 });
        }
      });
      cleanup.add(`delete security group ${n.controllerSg}`, async () => {
        for (const g of await client.network.securityGroups
          .list({ name: n.controllerSg })
          .toArray())
          await client.network.securityGroups.delete(g.id);
      });
      cleanup.add('delete application credentials', async () => {
        for (const c of await client.identity.applicationCredentials.list().toArray())
          if (c.name.includes(tag)) await client.identity.applicationCredentials.delete(c.id);
      });
    });

    afterAll(async () => {
      try {
        await cleanup.runAll();
        expect(await client.compute.servers.list({ name: `^${tag}` }).toArray()).toEqual([]);
      } finally {
        client?.close();
      }
    });

    const bakeArgs = (
      vm: string,
      image: string,
      extra: string[] = ['--ready-timeout=2m'],
    ): string[] => [
      '--readiness=console',
      '--network=test',
      '--subnet-cidr=127.200.0.0/24',
      `--security-group=${n.sg}`,
      '--ports=5000',
      '--remote-ip=127.0.0.0/8',
      `--key-name=${n.key}`,
      `--key-file=${path.join(dir, 'vm-key.pem')}`,
      `--base-vm-name=${vm}`,
      `--image-name=${image}`,
      '--flavor=m1.tiny',
      '--boot-timeout=2m',
      '--ready-poll-interval=1s',
      ...extra,
    ];

    it('a base VM whose service never becomes healthy is refused by the bake: its console says why, no image, the VM removed', async () => {
      const brokenUnit = path.join(dir, 'broken.service');
      // The service cannot bind an address the VM does not have (TEST-NET-3: nothing is ever sent),
      // exits, and systemd gives up after its start limit.
      fs.writeFileSync(
        brokenUnit,
        '[Service]\nExecStart=/usr/bin/node /opt/service/main.js\nEnvironment=HOST=203.0.113.1 PORT=5000\nRestart=always\n\n[Install]\nWantedBy=multi-user.target\n',
      );
      const run = await runBakeCli(
        bakeArgs(n.badVm, n.badImage, [`--unit=${brokenUnit}`, '--ready-timeout=30s']),
        TIMEOUT_MS,
      );
      expect(run.code).toBe(1);
      // The VM's own report (its ready check sees systemd give up on the unit), or, where the
      // devcloud still runs an older workload runner, no ready marker within --ready-timeout.
      expect(run.stderr).toMatch(
        /FAILED: .*(service-app\.service failed|no ready marker on the console)/,
      );
      expect(run.stderr).not.toMatch(/OSA-BAKE-READY/);
      expect(run.stdout).toMatch(/removed server .*broken-vm/);
      expect(names(['image', 'list'])).not.toContain(n.badImage);
      expect(names(['server', 'list'])).not.toContain(n.badVm);
    });

    it('bake, deploy-controller, the seed load loop through the controller VM, then --destroy leaves what existed before', async () => {
      const baked = await runBakeCli(bakeArgs(n.baseVm, n.image), TIMEOUT_MS);
      expectDone(baked, 'bake');
      const configFile = path.join(dir, 'controller.yaml');
      fs.writeFileSync(
        configFile,
        [
          'provider:',
          '  kind: openstack',
          `  group: ${n.group}`,
          `  originalName: ${n.baseVm}`,
          `  namePrefix: ${tag}-service-auto-`,
          '  openstack:',
          `    image: ${n.image}`,
          '    flavor: m1.tiny',
          '    network: test',
          `    keyName: ${n.key}`,
          `    securityGroups: [${n.sg}]`,
          '    servicePort: 5000',
          'scaling:',
          '  thresholdRequests: 10',
          '  maxInstances: 2',
          '  bootTimeoutMs: 120000',
          'health:',
          '  readinessTimeoutMs: 60000',
          '',
        ].join('\n'),
      );
      const serversBefore = names(['server', 'list']);
      const groupsBefore = names(['security', 'group', 'list']);
      const credentialsBefore = names(['application', 'credential', 'list']);
      const tokenFile = path.join(dir, 'admin-token');
      const deployArgs = [
        `--controller-config=${configFile}`,
        `--name=${n.controller}`,
        `--security-group=${n.controllerSg}`,
        `--key-name=${n.key}`,
        '--flavor=m1.tiny',
        '--client-cidr=127.0.0.0/8',
        '--delivery=disk',
        `--disk-root=${DISK_ROOT}`,
        '--admin-listen=vm',
        `--admin-token-file=${tokenFile}`,
        '--install-timeout=2m',
        '--serve-timeout=1m',
        '--poll-interval=1s',
      ];
      const deployed = await runToolCli(DEPLOY_CLI, 'deploy', deployArgs, TIMEOUT_MS);
      expectDone(deployed, 'deploy-controller');
      const [vm] = await client.compute.servers.list({ exactName: n.controller }).toArray();
      expect(vm).toMatchObject({
        status: 'ACTIVE',
        securityGroups: [n.controllerSg],
        metadata: expect.objectContaining({ osa_role: 'controller-vm' }),
      });
      const address = extractAddress(vm, { networkName: 'test' });
      assertLoopback(address, 'controller VM address');
      expect(deployed.stdout).toContain(`clients:     http://${address}:8000/`);
      expect(deployed.stdout).toMatch(/OSA-DEPLOY-READY:\S+ release sha256 [0-9a-f]{64} verified/);

      // What the VM holds: the credential in clouds.yaml 0600, never in user data, argv or output.
      const disk = path.join(DISK_ROOT, vm.id, 'disk');
      const cloudsYaml = path.join(disk, 'etc/osa/clouds.yaml');
      expect(fs.statSync(cloudsYaml).mode & 0o777).toBe(0o600);
      const secret =
        /application_credential_secret: (\S+)/.exec(fs.readFileSync(cloudsYaml, 'utf8'))?.[1] ?? '';
      expect(secret.length).toBeGreaterThan(20);
      const adminToken = fs.readFileSync(tokenFile, 'utf8').trim();
      const userData = fs.readFileSync(path.join(DISK_ROOT, vm.id, 'user_data'), 'utf8');
      for (const text of [userData, deployed.stdout, deployed.stderr, deployArgs.join(' ')]) {
        expect(text).not.toContain(secret);
        expect(text).not.toContain(adminToken);
        expect(text).not.toContain('password');
      }
      expect(fs.existsSync(path.join(disk, 'home/ubuntu/osa-incoming'))).toBe(false);
      const credentialId = /application_credential_id: (\S+)/.exec(
        fs.readFileSync(cloudsYaml, 'utf8'),
      )?.[1];
      expect(names(['application', 'credential', 'list'], 'ID')).toContain(credentialId);

      // Seed 16 against the controller VM.
      const [original] = await client.compute.servers.list({ exactName: n.baseVm }).toArray();
      const originalAddress = extractAddress(original, { networkName: 'test' });
      const seen: { status: number; from?: string; retryAfter?: string }[] = [];
      for (let i = 0; i < 120; i++) {
        const answer = await httpGet(address, 8000, '/work');
        seen.push({
          status: answer.status,
          from: answer.headers['x-instance-address'] as string | undefined,
          retryAfter: answer.headers['retry-after'] as string | undefined,
        });
        if (
          answer.status === 200 &&
          !String(answer.headers['x-instance-address']).startsWith(`${originalAddress}:`)
        )
          break;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      expect(seen.slice(0, 9)).toEqual(
        Array.from({ length: 9 }, () => ({
          status: 200,
          from: `${originalAddress}:5000`,
          retryAfter: undefined,
        })),
      );
      const gate = seen.slice(9, -1);
      expect(gate.length).toBeGreaterThan(0);
      expect(gate.every((a) => a.status === 503 && Number(a.retryAfter) > 0)).toBe(true);
      const last = seen[seen.length - 1];
      expect(last.status).toBe(200);
      const [clone] = await client.compute.servers
        .list({ name: `^${tag}-service-auto-` })
        .toArray();
      expect(last.from).toBe(`${extractAddress(clone, { networkName: 'test' })}:5000`);

      // The real CLI sees the controller VM, service-vm-1 and the clone.
      expect(names(['server', 'list'])).toEqual(
        expect.arrayContaining([n.controller, n.baseVm, clone.name]),
      );

      const destroyed = await runToolCli(
        DEPLOY_CLI,
        'destroy',
        ['--destroy', '--delete-scaled-servers', ...deployArgs],
        TIMEOUT_MS,
      );
      expectDone(destroyed, 'deploy-controller --destroy');
      expect(names(['server', 'list'])).toEqual(serversBefore);
      expect(names(['security', 'group', 'list'])).toEqual(groupsBefore);
      expect(names(['application', 'credential', 'list'])).toEqual(credentialsBefore);
      expect(names(['application', 'credential', 'list'], 'ID')).not.toContain(credentialId);
      expect(names(['image', 'list'])).toContain(n.image);
      expect(fs.existsSync(tokenFile)).toBe(false);
    });

    it('a clone of an image without the service never gets traffic: the controller keeps serving from the original', async () => {
      // An image of a server that carries nothing (its disk is empty): what a golden image without
      // the service would be. The workload runner boots its clone and runs nothing there.
      const empty = `${tag}-empty-vm`;
      const emptyImage = `${tag}-empty-golden`;
      openstackCli(
        'server',
        'create',
        '--image',
        'ubuntu',
        '--flavor',
        'm1.tiny',
        '--network',
        'test',
        '--wait',
        empty,
        '-f',
        'value',
        '-c',
        'id',
      );
      openstackCli(
        'server',
        'image',
        'create',
        '--wait',
        '--name',
        emptyImage,
        empty,
        '-f',
        'value',
        '-c',
        'id',
      );
      cleanup.add(`delete image ${emptyImage}`, async () => {
        for (const image of await client.image.images.list({ name: emptyImage }).toArray())
          await client.image.images.delete(image.id);
      });
      const [original] = await client.compute.servers.list({ exactName: n.baseVm }).toArray();
      expect(original).toBeDefined(); // baked by the test before
      const originalAddress = extractAddress(original, { networkName: 'test' });
      const listen = `127.${100 + Math.floor(Math.random() * 50)}.${Math.floor(Math.random() * 250)}.${2 + Math.floor(Math.random() * 250)}`;
      const port = 20_000 + Math.floor(Math.random() * 30_000);
      const configFile = path.join(dir, 'empty-image.yaml');
      fs.writeFileSync(
        configFile,
        [
          `proxy: { listenHost: ${listen}, listenPort: ${port} }`,
          `admin: { listenHost: ${listen}, listenPort: ${port + 1} }`,
          'provider:',
          '  kind: openstack',
          `  group: ${tag}-empty`,
          `  originalName: ${n.baseVm}`,
          `  namePrefix: ${tag}-empty-auto-`,
          `  openstack: { image: ${emptyImage}, flavor: m1.tiny, network: test, keyName: ${n.key}, securityGroups: [${n.sg}], servicePort: 5000 }`,
          'scaling: { thresholdRequests: 3, maxInstances: 2, bootTimeoutMs: 60000 }',
          'health: { readinessTimeoutMs: 15000 }',
          '',
        ].join('\n'),
      );
      const controller = spawn(
        process.execPath,
        [path.join(WORKSPACE_ROOT, 'dist/apps/controller/main.js'), '--config', configFile],
        { cwd: dir, env: cloudEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let log = '';
      controller.stdout.on('data', (c: Buffer) => (log += c.toString()));
      controller.stderr.on('data', (c: Buffer) => (log += c.toString()));
      try {
        const from = new Set<string>();
        let sawGate = false;
        const until = Date.now() + 45_000;
        while (Date.now() < until && !/"msg":"scale-out failed: [^\n]*"sequence":1[,}]/.test(log)) {
          const answer = await httpGet(listen, port, '/work').catch(() => undefined);
          if (answer?.status === 200) from.add(String(answer.headers['x-instance-address']));
          if (answer?.status === 503) sawGate = true;
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
        // Keep asking a little after the controller gave up on the clone.
        for (let i = 0; i < 6; i++) {
          const answer = await httpGet(listen, port, '/work').catch(() => undefined);
          if (answer?.status === 200) from.add(String(answer.headers['x-instance-address']));
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
        expect(log).toMatch(/"msg":"scale-out failed: [^\n]*"sequence":1[,}]/);
        expect(sawGate).toBe(true);
        expect([...from]).toEqual([`${originalAddress}:5000`]);
        const clones = await client.compute.servers.list({ name: `^${tag}-empty-auto-` }).toArray();
        for (const clone of clones) {
          const consoleText = await client.compute.servers.consoleOutput(clone.id).catch(() => '');
          if (/^\[workload\] booting /m.test(consoleText))
            expect(consoleText).toMatch(/nothing to run/);
        }
      } finally {
        controller.kill('SIGTERM');
        await new Promise((resolve) => controller.once('close', resolve));
      }
    });
  });
});
