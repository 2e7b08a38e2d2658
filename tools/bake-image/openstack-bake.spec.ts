/**
 * The cloud bake end to end: the built CLI as a real child process against the fake OpenStack
 * (@osa/openstack-testkit) on loopback, asserting on the cloud's state and the calls it received.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes, randomInt } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { selectGoldenImage } from '@osa/golden-image';
import {
  FakeOpenStack,
  type CallRecord,
  type FakeImage,
  type FakeServer,
} from '@osa/openstack-testkit';
import { parse } from 'yaml';
import {
  cleanEnv,
  runBake,
  SERVICE_BUNDLE,
  startBake,
  type BakeRun,
} from '../test-support/bake-cli';
import { bakeIdInUserData, cloudInitConsole, userDataOf } from '../test-support/simulated-vm';

jest.setTimeout(90_000);

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const FAST = ['--ready-poll-interval=100ms', '--progress-interval=500ms'];

let cloud: FakeOpenStack;
let dir: string;
let keyFile: string;

beforeEach(async () => {
  cloud = await FakeOpenStack.start();
  cloud.setServerBehaviour({
    bootDelayMs: 200,
    consoleOutput: cloudInitConsole({ readyAfterMs: 300 }),
  });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bake-cloud-'));
  keyFile = path.join(dir, 'vm-key.pem');
});

afterEach(async () => {
  await cloud.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

function bake(args: string[] = [], timeoutMs = 60_000): Promise<BakeRun> {
  return runBake([`--key-file=${keyFile}`, ...FAST, ...args], {
    env: cleanEnv(cloud.openrcEnv()),
    timeoutMs,
  });
}

const servers = (): FakeServer[] => [...cloud.state.servers.values()];
const goldenImages = (): FakeImage[] =>
  [...cloud.state.images.values()].filter((i) => i.name === 'service-golden');
const action = (c: CallRecord): string | undefined =>
  /\/servers\/[^/]+\/action$/.test(c.path) && c.body && typeof c.body === 'object'
    ? Object.keys(c.body)[0]
    : undefined;
const creates = (calls: readonly CallRecord[]) =>
  calls
    .filter(
      (c) =>
        c.method === 'POST' &&
        c.status < 300 &&
        (action(c) === undefined || action(c) === 'createImage'),
    )
    // Token requests and metadata updates (osa_ready_at on the base VM) create nothing.
    .filter((c) => !c.path.endsWith('/auth/tokens') && !c.path.endsWith('/metadata'))
    .map(
      (c) => `${c.service} ${action(c) ?? c.path.replace(/^\/[a-z]+(\/v2\.1|\/v2\.0|\/v2)?/, '')}`,
    );

function stepLines(stdout: string): string[] {
  return stdout
    .split('\n')
    .map((l) => /^bake-image \[\+ *[\d.]+s\] ([a-z-]+): .* \.\.\.$/.exec(l)?.[1])
    .filter((s): s is string => s !== undefined);
}

function controllerYaml(stdout: string): {
  provider: { kind: string; originalName: string; openstack: Record<string, unknown> };
} {
  const lines = stdout.split('\n');
  const start = lines.findIndex((l) => l.includes('controller config (controller.yaml):'));
  return parse(
    lines
      .slice(start + 1)
      .filter((l) => l.startsWith('    '))
      .map((l) => l.slice(4))
      .join('\n'),
  );
}

describe('a full bake (console readiness), then an idempotent re-run', () => {
  it('runs every step, leaves a provenance-labelled active image, and re-runs creating only a new image', async () => {
    const bundle = fs.readFileSync(SERVICE_BUNDLE);
    const first = await bake();
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(stepLines(first.stdout)).toEqual([
      'check-bundle',
      'prerequisites',
      'base-vm',
      'ready',
      'snapshot',
      'restart',
    ]);
    expect(first.stdout).toMatch(
      /ready: ready marker OSA-BAKE-READY:\S+ on the console of service-vm-1: no marker yet/,
    );

    // Prerequisites (seed 4-6): the seeded network was reused; rules and key pair were created.
    expect(creates(cloud.calls)).toEqual([
      'network /security-group-rules',
      'network /security-group-rules',
      'network /security-group-rules',
      'compute /os-keypairs',
      'compute /servers',
      'compute createImage',
    ]);
    const group = [...cloud.state.securityGroups.values()].find((g) => g.name === 'default')!;
    const rules = [...cloud.state.securityGroupRules.values()].filter(
      (r) => r.securityGroupId === group.id && r.protocol === 'tcp',
    );
    expect(
      rules.map((r) => [r.direction, r.portRangeMin, r.portRangeMax, r.remoteIpPrefix]).sort(),
    ).toEqual([
      ['ingress', 22, 22, '0.0.0.0/0'],
      ['ingress', 5000, 5000, '0.0.0.0/0'],
      ['ingress', 8000, 8000, '0.0.0.0/0'],
    ]);
    expect(cloud.state.keypairs.has('vm-key')).toBe(true);
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(keyFile, 'utf8')).toMatch(
      /^-----BEGIN (RSA |OPENSSH )?PRIVATE KEY-----/,
    );
    expect(first.stdout).not.toContain(fs.readFileSync(keyFile, 'utf8').split('\n')[1]);

    // Base VM (seed 7-9): cloud-init user data with the bundle; restarted after the snapshot.
    const [vm] = servers();
    expect(servers()).toHaveLength(1);
    expect(vm).toMatchObject({
      name: 'service-vm-1',
      status: 'ACTIVE',
      keyName: 'vm-key',
      securityGroups: ['default'],
    });
    expect(vm.metadata).toMatchObject({
      osa_role: 'bake-base-vm',
      osa_bundle_sha256: sha256(bundle),
    });
    expect(vm.metadata.osa_ready_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    const userData = parse(userDataOf(vm)) as {
      write_files: { path: string; content: string }[];
      packages: string[];
    };
    expect(userData.packages).toContain('nodejs');
    const written = userData.write_files.find((f) => f.path === '/opt/service/main.js')!;
    expect(gunzipSync(Buffer.from(written.content, 'base64')).equals(bundle)).toBe(true);
    expect(bakeIdInUserData(vm)).toBe(vm.metadata.osa_bake_id);
    const actions = cloud.calls.map(action).filter((a) => a !== undefined);
    expect(actions.filter((a) => a !== 'os-getConsoleOutput')).toEqual([
      'os-stop',
      'createImage',
      'os-start',
    ]);
    expect(actions.filter((a) => a === 'os-getConsoleOutput').length).toBeGreaterThanOrEqual(2);

    // Golden image (seed 10): active, with provenance, and the summary names it.
    const [image] = goldenImages();
    expect(image.status).toBe('active');
    expect(image.properties).toMatchObject({
      osa_role: 'golden-image',
      osa_service_version: JSON.parse(
        fs.readFileSync(path.resolve(__dirname, '../../package.json'), 'utf8'),
      ).version,
      osa_bundle_sha256: sha256(bundle),
      osa_source_server_id: vm.id,
    });
    expect(first.stdout).toContain(`image id:      ${image.id}`);
    expect(first.stdout).toContain('controller picks it: yes');
    expect(first.stdout).toMatch(/ {4}snapshot +\d+(ms|\.\d+s) +golden image service-golden/);
    const config = controllerYaml(first.stdout);
    expect(config.provider).toMatchObject({ kind: 'openstack', originalName: 'service-vm-1' });
    expect(config.provider.openstack).toEqual({
      image: 'service-golden',
      flavor: 'm1.small',
      network: 'test',
      keyName: 'vm-key',
      securityGroups: ['default'],
      servicePort: 5000,
    });

    // Re-run: nothing but a new image; the newest one is what the controller picks.
    cloud.clearCalls();
    const keyBefore = fs.readFileSync(keyFile, 'utf8');
    const second = await bake();
    expect(second.code).toBe(0);
    expect(creates(cloud.calls)).toEqual(['compute createImage']);
    expect(second.stdout).toContain('prerequisites: security group "default"');
    expect(second.stdout).toContain('tcp/22 present, tcp/5000 present, tcp/8000 present');
    expect(second.stdout).toContain(
      `server service-vm-1 (${vm.id}) exists, is ACTIVE and runs this bundle: reusing it`,
    );
    expect(fs.readFileSync(keyFile, 'utf8')).toBe(keyBefore);
    expect(servers().map((s) => [s.id, s.status])).toEqual([[vm.id, 'ACTIVE']]);
    const images = goldenImages();
    expect(images).toHaveLength(2);
    const newest = images.find((i) => i.id !== image.id)!;
    const picked = selectGoldenImage(
      images.map((i) => ({
        id: i.id,
        name: i.name ?? '',
        status: i.status,
        createdAt: i.createdAt,
        owner: i.owner,
        properties: i.properties,
      })),
      { name: 'service-golden', ownerProjectId: cloud.credentials.projectId },
    );
    expect(picked.id).toBe(newest.id);
    expect(second.stdout).toContain(`image id:      ${newest.id}`);

    // --prune 1 on a third run keeps only the image it makes.
    const third = await bake(['--prune=1']);
    expect(third.code).toBe(0);
    const left = goldenImages();
    expect(left).toHaveLength(1);
    expect(left[0].id).not.toBe(image.id);
    expect(left[0].id).not.toBe(newest.id);
    expect(third.stdout).toContain(`prune: deleted image ${image.id}`);
    expect(third.stdout).toContain(`prune: deleted image ${newest.id}`);
  });

  it('--no-restart-base leaves the base VM SHUTOFF; the next run snapshots it without stopping it', async () => {
    expect((await bake(['--no-restart-base'])).code).toBe(0);
    expect(servers()[0].status).toBe('SHUTOFF');
    cloud.clearCalls();
    const again = await bake(['--no-restart-base']);
    expect(again.code).toBe(0);
    expect(cloud.calls.map(action).filter((a) => a && a !== 'os-getConsoleOutput')).toEqual([
      'createImage',
    ]);
    expect(again.stdout).toContain('service-vm-1 is already SHUTOFF');
    expect(goldenImages().map((i) => i.status)).toEqual(['active', 'active']);
  });
});

describe('seed section 4: network and subnet, created only when absent', () => {
  const requestId = /\[OpenStack request id: req-[0-9a-f-]{36}\]/;
  const devcloudRefusal =
    'Invalid input for operation: devcloud: only subnets inside 127.0.0.0/8 are allowed, so every server address is reachable on loopback (got 192.168.222.0/24).';

  /** The fake cloud as a fresh project has it: no network `test` (nor its subnet). */
  function removeNetwork(name: string): void {
    for (const network of [...cloud.state.networks.values()].filter((n) => n.name === name)) {
      for (const id of network.subnetIds) cloud.state.subnets.delete(id);
      cloud.state.networks.delete(network.id);
    }
  }
  const networksNamed = (name: string) =>
    [...cloud.state.networks.values()].filter((n) => n.name === name);
  const subnetsOf = (networkId: string) =>
    [...cloud.state.subnets.values()].filter((s) => s.networkId === networkId);

  it('creates network test + subnet 192.168.222.0/24 (gateway .1) when absent; the re-run creates neither', async () => {
    removeNetwork('test');
    const first = await bake();
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(creates(cloud.calls).slice(0, 2)).toEqual(['network /networks', 'network /subnets']);
    const [network] = networksNamed('test');
    expect(networksNamed('test')).toHaveLength(1);
    const [subnet] = subnetsOf(network.id);
    expect(subnetsOf(network.id)).toHaveLength(1);
    expect(subnet).toMatchObject({
      name: 'test-subnet',
      cidr: '192.168.222.0/24',
      gatewayIp: '192.168.222.1',
      ipVersion: 4,
      enableDhcp: true,
    });
    expect(cloud.callsTo('network', 'POST', /\/v2\.0\/subnets$/)[0].body).toEqual({
      subnet: {
        network_id: network.id,
        name: 'test-subnet',
        ip_version: 4,
        cidr: '192.168.222.0/24',
        gateway_ip: '192.168.222.1',
        description: 'tools/bake-image (seed section 4)',
      },
    });
    expect(first.stdout).toContain('prerequisites: network "test": absent; creating it (seed 4)');
    expect(first.stdout).toContain(`prerequisites: network "test": created (${network.id})`);
    expect(first.stdout).toContain(
      `prerequisites: subnet "test-subnet" on network "test": created 192.168.222.0/24, gateway 192.168.222.1 (${subnet.id})`,
    );
    expect(first.stdout).toContain(
      `created:       network test (${network.id}); subnet test-subnet 192.168.222.0/24 (${subnet.id});`,
    );
    // The base VM was booted on the network this run created.
    const boot = cloud.callsTo('compute', 'POST', /\/servers$/)[0].body as {
      server: { networks: { uuid: string }[] };
    };
    expect(boot.server.networks).toEqual([{ uuid: network.id }]);

    cloud.clearCalls();
    const second = await bake();
    expect(second.code).toBe(0);
    expect(creates(cloud.calls)).toEqual(['compute createImage']);
    expect(second.stdout).toContain(`prerequisites: network "test": exists (${network.id})`);
    expect(second.stdout).toContain(
      'prerequisites: subnet "test-subnet" on "test": exists, 192.168.222.0/24',
    );
    expect(networksNamed('test')).toHaveLength(1);
    expect(subnetsOf(network.id)).toHaveLength(1);
  });

  it("Neutron's 400 on the subnet: the error names the subnet and the request id, the new network is removed, and another --subnet-cidr works", async () => {
    removeNetwork('test');
    const neutronRequestId = 'req-2d10dd48-9203-40a5-a0e3-e2380d540310';
    const fault = cloud.inject({
      service: 'network',
      method: 'POST',
      path: /\/v2\.0\/subnets$/,
      status: 400,
      body: { NeutronError: { type: 'InvalidInput', message: devcloudRefusal, detail: '' } },
      headers: { 'X-Openstack-Request-Id': neutronRequestId },
      times: 1,
    });
    const refused = await bake();
    expect(fault.hits).toBe(1);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      `bake-image: FAILED: subnet "test-subnet" on network "test": creating it with 192.168.222.0/24 failed: 400 InvalidInput from network (POST ${cloud.endpoints.network}/v2.0/subnets): ${devcloudRefusal} [OpenStack request id: ${neutronRequestId}]`,
    );
    expect(refused.stderr).toContain(
      'Neutron refused the subnet. Pass another range: --subnet-cidr=<CIDR>',
    );
    expect(refused.stdout).toMatch(
      /cleanup: {3}removed \(its subnet was never made\) network test \([0-9a-f-]{36}\)/,
    );
    expect(refused.stdout).not.toContain('kept (prerequisites');
    expect(networksNamed('test')).toEqual([]);
    expect(servers()).toEqual([]);
    expect(cloud.state.keypairs.has('vm-key')).toBe(false);

    // A loopback range, as the devcloud wants: sent without DHCP, which Neutron refuses there.
    const retried = await bake(['--subnet-cidr=127.201.5.0/24']);
    expect(retried.code).toBe(0);
    const [network] = networksNamed('test');
    expect(subnetsOf(network.id)).toEqual([
      expect.objectContaining({
        cidr: '127.201.5.0/24',
        gatewayIp: '127.201.5.1',
        enableDhcp: false,
      }),
    ]);
    const [sent] = cloud.callsTo('network', 'POST', /\/v2\.0\/subnets$/).slice(-1);
    expect((sent.body as { subnet: Record<string, unknown> }).subnet).toMatchObject({
      cidr: '127.201.5.0/24',
      enable_dhcp: false,
    });
  });

  it('a network this run did not create is never removed; --no-create-network does not add a subnet', async () => {
    const [network] = networksNamed('test');
    for (const id of network.subnetIds) cloud.state.subnets.delete(id);
    network.subnetIds = [];
    const strict = await bake(['--no-create-network']);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toContain(
      `network "test" (${network.id}): has no IPv4 subnet, so no server can boot on it`,
    );
    expect(strict.stderr).toMatch(requestId);

    cloud.inject({
      service: 'network',
      method: 'POST',
      path: /\/v2\.0\/subnets$/,
      status: 400,
      body: { NeutronError: { type: 'InvalidInput', message: devcloudRefusal, detail: '' } },
      times: 1,
    });
    const refused = await bake();
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('subnet "test-subnet" on network "test": creating it with');
    expect(refused.stderr).toMatch(requestId);
    expect(refused.stdout).not.toContain('removed (its subnet was never made)');
    expect(networksNamed('test').map((n) => n.id)).toEqual([network.id]);
    expect(creates(cloud.calls)).not.toContain('network /networks');
  });

  it('SIGINT while the subnet is being created: the in-flight create is awaited, then subnet and network are removed (exit 130)', async () => {
    removeNetwork('test');
    cloud.inject({
      service: 'network',
      method: 'POST',
      path: /\/v2\.0\/subnets$/,
      delayMs: 1_500,
      times: 1,
    });
    const running = startBake([`--key-file=${keyFile}`, ...FAST], {
      env: cleanEnv(cloud.openrcEnv()),
    });
    await running.waitForLine(/subnet "test-subnet" on network "test": creating/, 30_000);
    running.child.kill('SIGINT');
    const run = await running.done;
    expect(run.code).toBe(130);
    expect(run.stdout).toMatch(/cleanup: {3}removed subnet test-subnet 192\.168\.222\.0\/24/);
    expect(run.stdout).toMatch(/cleanup: {3}removed \(its subnet was never made\) network test/);
    expect(networksNamed('test')).toEqual([]);
    expect(cloud.callsTo('network', 'POST', /\/v2\.0\/subnets$/)).toHaveLength(1);
    expect(cloud.state.keypairs.has('vm-key')).toBe(false);
  });
});

/** A real service bundle process on its own loopback address (what the devcloud runs per server). */
async function startService(): Promise<{
  host: string;
  child: ChildProcess;
  stop: () => Promise<void>;
}> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const host = `127.${randomInt(100, 200)}.${randomInt(1, 250)}.${randomInt(2, 250)}`;
    if (!(await portFree(host, 5000))) continue;
    const child = spawn(process.execPath, [SERVICE_BUNDLE], {
      env: { ...process.env, HOST: host, PORT: '5000' },
      stdio: 'ignore',
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    for (let i = 0; i < 100; i++) {
      if (await healthy(`http://${host}:5000/healthz`)) {
        return {
          host,
          child,
          stop: async () => {
            if (child.exitCode === null) child.kill('SIGTERM');
            await exited;
          },
        };
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGKILL');
  }
  throw new Error('could not start the service on a free 127.x.y.z:5000');
}

function portFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer().once('error', () => resolve(false));
    s.listen(port, host, () => s.close(() => resolve(true)));
  });
}

function healthy(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    http
      .get(url, { agent: false, timeout: 1_000 }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      })
      .on('error', () => resolve(false));
  });
}

describe('--readiness=health (clouds that store user data but do not run it, like the devcloud)', () => {
  it('waits for the real service on the address Nova reports, before the snapshot and after the restart', async () => {
    const service = await startService();
    try {
      cloud.setServerBehaviour({
        bootDelayMs: 200,
        address: () => service.host,
        // ACTIVE before Neutron's address shows up, as on real clouds: the bake keeps polling.
        addressDelayMs: 400,
        consoleOutput: '',
      });
      // Credentials from clouds.yaml this time (--cloud), and every request printed (--show-requests).
      const cloudsYaml = path.join(dir, 'clouds.yaml');
      fs.writeFileSync(cloudsYaml, cloud.cloudsYaml('fake'));
      const run = await runBake(
        [`--key-file=${keyFile}`, ...FAST, '--readiness=health', '--cloud=fake', '--show-requests'],
        {
          env: cleanEnv({ OS_CLIENT_CONFIG_FILE: cloudsYaml }),
        },
      );
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(
        /request: POST http:\/\/127\.0\.0\.1:\d+\/compute\/v2\.1\/servers -> 202 in \d+ ms \[req-[0-9a-f-]{36}\]/,
      );
      expect(run.stdout).not.toContain(cloud.credentials.password);
      expect(controllerYaml(run.stdout).provider.openstack.cloud).toBe('fake');
      const url = `http://${service.host}:5000/healthz`;
      expect(run.stdout).toContain(`ready: health: ${url} answered HTTP 200`);
      expect(run.stdout).toMatch(
        /ready: health of service-vm-1 on network test: no IPv4 address on test yet/,
      );
      expect(run.stdout).toContain(`restart: health: ${url} answered HTTP 200`);
      expect(cloud.calls.map(action)).not.toContain('os-getConsoleOutput');
      expect(goldenImages().map((i) => i.status)).toEqual(['active']);
    } finally {
      await service.stop();
    }
  });

  it('fails after --ready-timeout when nothing answers, naming the URL, and removes the VM it booted', async () => {
    const host = `127.${randomInt(100, 200)}.${randomInt(1, 250)}.${randomInt(2, 250)}`;
    cloud.setServerBehaviour({ bootDelayMs: 100, address: () => host });
    const run = await bake(['--readiness=health', '--ready-timeout=2s']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      new RegExp(
        `server service-vm-1 \\([0-9a-f-]+\\): not healthy after 2\\.0s: http://${host.replace(/\./g, '\\.')}:5000/healthz: ECONNREFUSED \\[OpenStack request id: req-`,
      ),
    );
    expect(run.stdout).toMatch(/cleanup: {3}removed server service-vm-1 \([0-9a-f-]+\)/);
    expect(servers()).toEqual([]);
    expect(goldenImages()).toEqual([]);
  });
});

describe('before any cloud call', () => {
  it('--dry-run checks the bundle and prints the plan without calling the cloud', async () => {
    const run = await bake([
      '--dry-run',
      '--readiness=health',
      '--prune=2',
      `--user-data-out=${path.join(dir, 'ud.yaml')}`,
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('dry run: no cloud call made. The bake would:');
    expect(run.stdout).toContain('ready (health) within 20m');
    expect(run.stdout).toContain('prune to the newest 2');
    expect(fs.readFileSync(path.join(dir, 'ud.yaml'), 'utf8')).toMatch(/^#cloud-config\n/);
    expect(cloud.calls).toEqual([]);
  });

  it('no credentials: exit 2 with what to set', async () => {
    const run = await runBake(['--ready-poll-interval=100ms'], { env: cleanEnv({ HOME: dir }) });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/cloud configuration: OS_CLOUD: .*no OpenStack credentials/);
    expect(run.stderr).toContain(
      'Source your openrc, or set OS_CLOUD (or --cloud) to a clouds.yaml entry.',
    );
  });
});

describe('failures name the resource and the OpenStack request id, and leave nothing behind', () => {
  const requestId = /\[OpenStack request id: req-[0-9a-f-]{36}\]/;

  it('base image not found', async () => {
    const run = await bake(['--base-image=debian-13']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      'base image "debian-13": not found (no image with that name or id is visible to this project)',
    );
    expect(run.stderr).toMatch(requestId);
    expect(creates(cloud.calls)).toEqual([]);
  });

  it('flavor not found', async () => {
    const run = await bake(['--flavor=m9.huge']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('flavor "m9.huge": not found');
    expect(run.stderr).toMatch(requestId);
    expect(creates(cloud.calls)).toEqual([]);
  });

  it('network not found (--no-create-network)', async () => {
    const run = await bake(['--network=prod-net', '--no-create-network']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('network "prod-net": not found');
    expect(run.stderr).toMatch(requestId);
    expect(creates(cloud.calls)).toEqual([]);
  });

  it('quota exceeded on the base VM', async () => {
    cloud.quota.instances = 0;
    const run = await bake();
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /server service-vm-1: quota exceeded: 403 .*Quota exceeded for instances/,
    );
    expect(run.stderr).toMatch(requestId);
    expect(servers()).toEqual([]);
  });

  it('key file exists: refuses before creating the key pair', async () => {
    fs.writeFileSync(keyFile, 'my precious key\n');
    const run = await bake();
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `key file ${keyFile}: already exists, and key pair "vm-key" does not: refusing to overwrite`,
    );
    expect(run.stderr).toMatch(requestId);
    expect(fs.readFileSync(keyFile, 'utf8')).toBe('my precious key\n');
    expect(cloud.state.keypairs.has('vm-key')).toBe(false);
    expect(servers()).toEqual([]);
  });

  it('bundle too large: fails before any cloud call, with every size', async () => {
    const big = path.join(dir, 'big.js');
    fs.writeFileSync(big, randomBytes(60_000));
    const run = await bake([`--bundle=${big}`]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /service bundle \S+big\.js: bundle too large for Nova user data: the cloud-init user data is \d+ bytes after base64 \(\d+ bytes before; bundle 60000 bytes, \d+ gzipped\), over Nova's limit of 65535 bytes/,
    );
    expect(cloud.calls).toEqual([]);
  });

  it("the base VM goes ERROR: Nova's fault is shown and the VM is removed", async () => {
    cloud.setServerBehaviour({
      bootDelayMs: 100,
      failWith: {
        message: 'No valid host was found. There are not enough hosts available.',
        code: 500,
      },
    });
    const run = await bake();
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /server service-vm-1 \([0-9a-f-]+\): went to ERROR: No valid host was found/,
    );
    expect(run.stderr).toMatch(requestId);
    expect(run.stdout).toMatch(/removed server service-vm-1/);
    expect(servers()).toEqual([]);
  });

  it('the VM reports on its console that the service did not get healthy', async () => {
    cloud.setServerBehaviour({
      bootDelayMs: 100,
      consoleOutput: cloudInitConsole({ outcome: 'failed' }),
    });
    const run = await bake();
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      'the VM reported that the service did not become healthy: http://localhost:5000/healthz not healthy after 90 attempts',
    );
    expect(run.stderr).toContain('Console tail:');
    expect(servers()).toEqual([]);
  });

  it('the snapshot ends killed: the image and the VM this run booted are deleted', async () => {
    cloud.setImageBehaviour({ snapshotDelayMs: 200, snapshotOutcome: 'killed' });
    const run = await bake();
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /image service-golden \([0-9a-f-]+\): went killed instead of active/,
    );
    expect(run.stderr).toMatch(requestId);
    expect(run.stdout).toMatch(/cleanup: {3}removed \(was killed\) image service-golden/);
    expect(goldenImages()).toEqual([]);
    expect(servers()).toEqual([]);
  });

  it('Nova still shows the snapshot task_state after the image went active: the restart retries os-start', async () => {
    // Without the retry the restart step fails with "starting it again (os-start)" and Nova's 409.
    cloud.setImageBehaviour({ snapshotDelayMs: 200, taskStateClearDelayMs: 1_500 });
    const run = await bake();
    expect([run.code, run.stderr]).toEqual([0, expect.any(String)]);
    expect(run.stdout).toMatch(
      /restart: Nova is still finishing the snapshot \(task_state image_uploading\): os-start again in 1s/,
    );
    expect(servers().map((s) => s.status)).toEqual(['ACTIVE']);
    expect(goldenImages().map((i) => i.status)).toEqual(['active']);
  });

  it('a base VM that runs another bundle is not replaced silently', async () => {
    expect((await bake()).code).toBe(0);
    const [vm] = servers();
    vm.metadata.osa_bundle_sha256 = 'ab'.repeat(32);
    const refused = await bake();
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      `server service-vm-1 (${vm.id}): exists but runs another service bundle`,
    );
    expect(refused.stderr).toContain('--replace-base-vm');
    const replaced = await bake(['--replace-base-vm']);
    expect(replaced.code).toBe(0);
    expect(servers().map((s) => s.id)).not.toContain(vm.id);
    expect(servers()).toHaveLength(1);
  });
});

describe('a service-vm-1 that bake-image did not make', () => {
  const REFUSED = /server service-vm-1 \([0-9a-f-]+\): exists but was not booted by bake-image/;
  const SERVING_WARNING = 'deleting it with --replace-base-vm removes a serving instance';
  let listener: http.Server | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => (listener ? listener.close(() => resolve()) : resolve()));
    listener = undefined;
  });

  /** Runs the bake once so the network exists, then puts a hand-made server on it. */
  async function handMadeServer(fields: Partial<FakeServer>): Promise<FakeServer> {
    expect((await bake()).code).toBe(0);
    for (const server of servers()) cloud.state.servers.delete(server.id);
    return cloud.seedServer({ name: 'service-vm-1', ...fields });
  }

  /** A loopback address of the test's own: the bake probes it, and nothing outside 127/8 is touched. */
  const ownAddress = (): string =>
    `127.${randomInt(120, 220)}.${randomInt(0, 255)}.${randomInt(2, 250)}`;
  const on = (address: string): Partial<FakeServer> => ({
    addresses: {
      test: [{ addr: address, version: 4, type: 'fixed', macAddr: 'fa:16:3e:00:00:01' }],
    },
  });

  it('plain (nothing answers on its service port): suggests --replace-base-vm without a warning', async () => {
    const vm = await handMadeServer({ metadata: {}, ...on(ownAddress()) });
    const refused = await bake();
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(REFUSED);
    expect(refused.stderr).toContain('Pass --replace-base-vm to delete it and boot a fresh one');
    expect(refused.stderr).not.toContain(SERVING_WARNING);
    expect(servers().map((s) => s.id)).toEqual([vm.id]);
  });

  it("carrying the controller's osa:group metadata: the hint warns that it removes a serving instance", async () => {
    const vm = await handMadeServer({ metadata: { 'osa:group': 'service' }, ...on(ownAddress()) });
    const refused = await bake();
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(REFUSED);
    expect(refused.stderr).toContain(
      "WARNING: service-vm-1 looks like the original instance a controller serves from (it carries the controller's group metadata osa:group=service): " +
        `${SERVING_WARNING}. Prefer --base-vm-name=<another name>; pass --replace-base-vm only if nothing serves from it.`,
    );
    expect(servers().map((s) => s.id)).toEqual([vm.id]);
  });

  it('answering on its service port: the hint warns, and --replace-base-vm says it again as it deletes', async () => {
    // A real service on the server's address, as the seed's hand-made original is.
    // Port 5000 is the unit's (the bake insists), on an address of this test's own.
    const address = ownAddress();
    const port = 5000;
    listener = http.createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => listener?.listen(port, address, resolve));
    const vm = await handMadeServer({ metadata: {}, ...on(address) });
    const refused = await bake();
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      `(it answers on http://${address}:${port}/healthz with HTTP 200): ${SERVING_WARNING}.`,
    );
    const replaced = await bake(['--replace-base-vm']);
    expect(replaced.code).toBe(0);
    expect(replaced.stdout).toMatch(
      new RegExp(
        `WARNING: service-vm-1 looks like the original .*${SERVING_WARNING}\\. server service-vm-1 \\(${vm.id}\\) was not booted by bake-image`,
      ),
    );
    expect(servers().map((s) => s.id)).not.toContain(vm.id);
  });
});

describe('interruption: Ctrl-C / SIGTERM remove what this run created and say so', () => {
  it('SIGINT while waiting for the ready marker removes the VM it booted (exit 130)', async () => {
    cloud.setServerBehaviour({
      bootDelayMs: 100,
      consoleOutput: cloudInitConsole({ readyAfterMs: 3_600_000 }),
    });
    const running = startBake([`--key-file=${keyFile}`, ...FAST], {
      env: cleanEnv(cloud.openrcEnv()),
    });
    await running.waitForLine(
      /ready marker OSA-BAKE-READY:\S+ on the console of service-vm-1: no marker yet/,
      30_000,
    );
    const vm = servers()[0];
    expect(vm.status).toBe('ACTIVE');
    running.child.kill('SIGINT');
    const run = await running.done;
    expect(run.code).toBe(130);
    expect(run.stdout).toContain('interrupt: SIGINT: stopping; removing what this run created');
    expect(run.stdout).toContain(`cleanup:   removed server service-vm-1 (${vm.id})`);
    expect(run.stdout).toMatch(
      /kept \(prerequisites this run created; the next run reuses them\): .*key pair vm-key/,
    );
    expect(servers()).toEqual([]);
    expect(cloud.callsTo('compute', 'DELETE', new RegExp(`/servers/${vm.id}$`))).toHaveLength(1);
  });

  it('SIGINT while a console read is held by the cloud: that HTTP call is cut at once (not at exit), and the VM is still removed', async () => {
    // The first server action is the console read of the ready check: the cloud never answers it.
    cloud.inject({
      service: 'compute',
      method: 'POST',
      path: /\/servers\/[^/]+\/action$/,
      hang: true,
      times: 1,
    });
    // The cleanup's delete is slow, so "cut at once" and "cut when the process exits" differ.
    cloud.inject({
      service: 'compute',
      method: 'DELETE',
      path: /\/servers\/[^/]+$/,
      delayMs: 2_000,
      times: 1,
    });
    const running = startBake([`--key-file=${keyFile}`, ...FAST], {
      env: cleanEnv(cloud.openrcEnv()),
    });
    const heldCall = async (): Promise<CallRecord> => {
      for (let waited = 0; waited < 300; waited++) {
        const held = cloud
          .callsTo('compute', 'POST', /\/action$/)
          .find((call) => call.fault === 'hang');
        if (held) return held;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(`the console read never reached the cloud:\n${running.output()}`);
    };
    const held = await heldCall();
    const vm = servers()[0];
    running.child.kill('SIGINT');
    for (let waited = 0; waited < 300 && !held.clientClosedEarly; waited++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // Closed by the bake's abort while the cleanup was still deleting the VM, not by the exit.
    expect(held.clientClosedEarly).toBe(true);
    expect(running.child.exitCode).toBeNull();
    const run = await running.done;
    expect(run.code).toBe(130);
    expect(run.stdout).toContain(`cleanup:   removed server service-vm-1 (${vm.id})`);
    expect(servers()).toEqual([]);
    expect(cloud.state.keypairs.has('vm-key')).toBe(true); // a prerequisite: kept, and reported as such
  });

  it('SIGTERM while the image is saving deletes the half-made image and the VM it booted (exit 143)', async () => {
    cloud.setImageBehaviour({ snapshotDelayMs: 3_600_000 });
    const running = startBake([`--key-file=${keyFile}`, ...FAST], {
      env: cleanEnv(cloud.openrcEnv()),
    });
    await running.waitForLine(
      /snapshot: image service-golden \(\S+\) to become active: (queued|saving)/,
      30_000,
    );
    const [image] = goldenImages();
    running.child.kill('SIGTERM');
    const run = await running.done;
    expect(run.code).toBe(143);
    expect(run.stdout).toMatch(
      new RegExp(`removed \\(was (queued|saving)\\) image service-golden \\(${image.id}\\)`),
    );
    expect(run.stdout).toMatch(/removed server service-vm-1/);
    expect(goldenImages()).toEqual([]);
    expect(servers()).toEqual([]);
  });

  it('a reused base VM is never deleted: it is started again, only the half-made image goes', async () => {
    expect((await bake()).code).toBe(0);
    const [vm] = servers();
    const [firstImage] = goldenImages();
    cloud.setImageBehaviour({ snapshotDelayMs: 3_600_000 });
    const running = startBake([`--key-file=${keyFile}`, ...FAST], {
      env: cleanEnv(cloud.openrcEnv()),
    });
    await running.waitForLine(/to become active: (queued|saving)/, 30_000);
    expect(servers()[0].status).toBe('SHUTOFF');
    running.child.kill('SIGINT');
    const run = await running.done;
    expect(run.code).toBe(130);
    expect(run.stdout).toContain(`cleanup:   restarted server service-vm-1 (${vm.id})`);
    expect(run.stdout).not.toContain('removed server');
    expect(goldenImages().map((i) => i.id)).toEqual([firstImage.id]);
    for (let i = 0; i < 50 && servers()[0].status !== 'ACTIVE'; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(servers().map((s) => [s.id, s.status])).toEqual([[vm.id, 'ACTIVE']]);
  });
});
