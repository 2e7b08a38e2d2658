/**
 * deploy-controller end to end against the fake OpenStack (@osa/openstack-testkit): the built CLI
 * as a real child process, the cloud's state and calls asserted. The fake has no hypervisor, so
 * the test stands in for the VM where the tool meets it: the server's disk directory (disk
 * delivery), a console that prints the installer's marker once the upload is complete, and a TCP
 * listener on the server's address for the data path. What the VM itself runs (installer, unit,
 * controller) is checked in controller-vm.spec.ts with the real workload runner.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { OpenStackClient } from '@osa/openstack-client';
import { FakeOpenStack, type CallRecord, type FakeServer } from '@osa/openstack-testkit';
import { cleanEnv, runTool, WORKSPACE_ROOT } from '../test-support/bake-cli';
import { seedVmKey } from '../test-support/fake-cloud-seed';

jest.setTimeout(120_000);

const CLI = path.join(WORKSPACE_ROOT, 'dist/tools/deploy-controller/main.js');
const CONFIG = `provider:
  kind: openstack
  group: service
  originalName: service-vm-1
  openstack:
    image: service-golden
    flavor: m1.tiny
    network: test
    servicePort: 5000
`;

let cloud: FakeOpenStack;
let dir: string;
let diskRoot: string;
let vmAddress: string;
let dataPath: net.Server;
let port: number;
/** What the "VM" prints: READY once the upload is complete, or what a test sets. */
let consoleVerdict: (server: FakeServer, deployId: string) => string;

function loopback(): string {
  const b = randomBytes(3);
  return `127.${80 + (b[0] % 60)}.${b[1] % 250}.${2 + (b[2] % 250)}`;
}

beforeEach(async () => {
  cloud = await FakeOpenStack.start({ profile: 'devcloud' });
  // A cloud whose services enforce access rules; the fallback test turns that off.
  cloud.accessRules = 'enforced';
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-controller-'));
  diskRoot = path.join(dir, 'vms');
  fs.mkdirSync(diskRoot);
  fs.writeFileSync(path.join(dir, 'controller.yaml'), CONFIG);
  vmAddress = loopback();
  dataPath = net.createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => dataPath.listen(0, vmAddress, resolve));
  port = (dataPath.address() as net.AddressInfo).port;
  consoleVerdict = (_server, id) =>
    `OSA-DEPLOY-READY:${id} release sha256 verified, node v20, osa-controller.service active`;
  cloud.setServerBehaviour({
    address: (server) => {
      if (server.name !== 'controller') return undefined;
      // The compute host makes the server's disk as it spawns.
      fs.mkdirSync(path.join(diskRoot, server.id, 'disk'), { recursive: true });
      return vmAddress;
    },
    consoleOutput: (server) => {
      const complete = path.join(diskRoot, server.id, 'disk/home/ubuntu/osa-incoming/COMPLETE');
      return fs.existsSync(complete)
        ? `osa-deploy: installing\n${consoleVerdict(server, server.metadata['osa_deploy_id'])}\n`
        : 'osa-deploy: waiting for the release\n';
    },
  });
});

afterEach(async () => {
  await new Promise((resolve) => dataPath.close(resolve));
  await cloud.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

function deploy(extra: string[] = []) {
  return runTool(
    CLI,
    [
      `--controller-config=${path.join(dir, 'controller.yaml')}`,
      '--delivery=disk',
      `--disk-root=${diskRoot}`,
      `--port=${port}`,
      '--flavor=m1.tiny',
      '--key-name=vm-key',
      `--admin-token-file=${path.join(dir, 'admin-token')}`,
      '--poll-interval=100ms',
      '--progress-interval=500ms',
      '--install-timeout=20s',
      '--serve-timeout=10s',
      ...extra,
    ],
    { env: cleanEnv(cloud.openrcEnv()), timeoutMs: 100_000 },
  );
}

const creates = (calls: readonly CallRecord[]): string[] =>
  calls
    // Token requests and console reads (os-getConsoleOutput) create nothing.
    .filter(
      (c) =>
        c.method === 'POST' &&
        c.status < 300 &&
        !c.path.endsWith('/auth/tokens') &&
        !c.path.endsWith('/action'),
    )
    .map(
      (c) =>
        `${c.service} ${c.path.replace(/^\/[a-z]+(\/v2\.1|\/v2\.0|\/v3)?/, '').replace(/users\/[^/]+/, 'users/{id}')}`,
    );
const servers = (): FakeServer[] => [...cloud.state.servers.values()];

describe('deploy-controller against the fake OpenStack', () => {
  it('boots the VM with its own group, credential and small user data, delivers the files, and reports; a second run changes nothing', async () => {
    seedVmKey(cloud);
    const first = await deploy();
    expect([first.code, first.stderr]).toEqual([0, '']);
    expect(creates(cloud.calls)).toEqual([
      'network /security-groups',
      'network /security-group-rules',
      'identity /users/{id}/application_credentials',
      'compute /servers',
    ]);
    const [vm] = servers();
    expect(vm).toMatchObject({
      name: 'controller',
      keyName: 'vm-key',
      metadata: expect.objectContaining({ osa_role: 'controller-vm' }),
    });
    const group = [...cloud.state.securityGroups.values()].find((g) => g.name === 'osa-controller');
    const rules = [...cloud.state.securityGroupRules.values()].filter(
      (r) => r.securityGroupId === group?.id && r.direction === 'ingress',
    );
    expect(
      rules.map((r) => [r.protocol, r.portRangeMin, r.portRangeMax, r.remoteIpPrefix]),
    ).toEqual([['tcp', port, port, '0.0.0.0/0']]);

    // The credential: project-bound, restricted, member only, access rules; its secret only on the VM.
    const [credential] = cloud.applicationCredentials();
    expect(credential).toMatchObject({
      projectId: cloud.credentials.projectId,
      unrestricted: false,
      roles: [expect.objectContaining({ name: 'member' })],
    });
    expect(credential.accessRules.map((r) => `${r.service} ${r.method} ${r.path}`)).toContain(
      'compute POST /v2.1/servers',
    );
    const etc = path.join(diskRoot, vm.id, 'disk/home/ubuntu/osa-incoming');
    const clouds = fs.readFileSync(path.join(etc, 'clouds.yaml'), 'utf8');
    expect(fs.statSync(path.join(etc, 'clouds.yaml')).mode & 0o777).toBe(0o600);
    expect(clouds).toContain(`application_credential_id: ${credential.id}`);
    expect(clouds).toContain(credential.secret);
    expect(clouds).not.toContain(cloud.credentials.password);
    const yaml = fs.readFileSync(path.join(etc, 'controller.yaml'), 'utf8');
    expect(yaml).toMatch(
      new RegExp(`listenHost: ${vmAddress.replace(/\./g, '\\.')}\\n\\s+listenPort: ${port}`),
    );
    expect(yaml).toMatch(/admin:\n\s+listenHost: 127\.0\.0\.1/);
    expect(yaml).toContain('cloud: osa-controller');

    // Secrets in user data, output, argv: none. The user data holds the unit and the installer only.
    const userData = Buffer.from(vm.userData ?? '', 'base64').toString('utf8');
    expect(userData).toMatch(/^#cloud-config\n/);
    expect(userData.length).toBeLessThan(16_000);
    for (const text of [
      userData,
      first.stdout,
      first.stderr,
      JSON.stringify(cloud.calls.map((c) => c.body)),
    ]) {
      expect(text).not.toContain(credential.secret);
      expect(text).not.toContain(cloud.credentials.password);
    }
    expect(first.stdout).toMatch(/controller VM controller \([0-9a-f-]+\): created/);
    expect(first.stdout).toContain(`clients:     http://${vmAddress}:${port}/`);
    expect(first.stdout).toMatch(/\[\+\s*\d+\.\d+s\] vm: .*ACTIVE/);

    cloud.clearCalls();
    const second = await deploy();
    expect([second.code, second.stderr]).toEqual([0, '']);
    expect(second.stdout).toMatch(/exists, runs this release and configuration: unchanged/);
    expect(second.stdout).toContain('ingress tcp/' + port + ' from 0.0.0.0/0 present');
    expect(creates(cloud.calls)).toEqual([]);
    expect(servers().map((s) => s.id)).toEqual([vm.id]);
    expect(cloud.applicationCredentials().map((c) => c.id)).toEqual([credential.id]);
  });

  it('a failed install removes everything this run created and nothing else', async () => {
    seedVmKey(cloud);
    const before = [...cloud.state.securityGroups.keys()].sort();
    consoleVerdict = (_server, id) =>
      `OSA-DEPLOY-FAILED:${id} release sha256 is 00ff, expected 1234: not installed`;
    const run = await deploy();
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /the installer failed: release sha256 is 00ff, expected 1234: not installed/,
    );
    expect(run.stdout).toMatch(/cleanup:\s+removed server controller/);
    expect(run.stdout).toMatch(/cleanup:\s+removed application credential/);
    expect(run.stdout).toMatch(/cleanup:\s+removed security group osa-controller/);
    expect(servers().filter((s) => s.status !== 'DELETED')).toEqual([]);
    expect(cloud.applicationCredentials()).toEqual([]);
    expect([...cloud.state.securityGroups.keys()].sort()).toEqual(before);
  });

  it('refuses a server of that name it did not make, and touches nothing', async () => {
    seedVmKey(cloud);
    const other = await deployOtherServer();
    const run = await deploy();
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /server controller \([0-9a-f-]+\): exists but was not made by deploy-controller/,
    );
    expect(servers().map((s) => s.id)).toEqual([other]);
    expect(cloud.applicationCredentials()).toEqual([]);
    expect([...cloud.state.securityGroups.values()].map((g) => g.name)).not.toContain(
      'osa-controller',
    );
  });

  it('--destroy removes the VM, its group and credential, and with --delete-scaled-servers the clones, never the original', async () => {
    seedVmKey(cloud);
    expect((await deploy()).code).toBe(0);
    const original = await createServer('service-vm-1', { 'osa:group': 'service' });
    const clone = await createServer('service-auto-1', {
      'osa:group': 'service',
      'osa:reason': 'scale-out',
    });
    const stranger = await createServer('someone-else', {});
    const run = await deploy(['--destroy', '--delete-scaled-servers']);
    expect([run.code, run.stderr]).toEqual([0, '']);
    expect(run.stdout).toMatch(/removed server controller/);
    expect(run.stdout).toMatch(/removed server service-auto-1/);
    expect(run.stdout).toMatch(/left alone: service-vm-1 .*the original/);
    await waitGone(clone);
    expect(
      servers()
        .filter((s) => s.status !== 'DELETED')
        .map((s) => s.id)
        .sort(),
    ).toEqual([original, stranger].sort());
    expect(cloud.applicationCredentials()).toEqual([]);
    expect([...cloud.state.securityGroups.values()].map((g) => g.name)).not.toContain(
      'osa-controller',
    );
    // A second destroy finds nothing and says so.
    const again = await deploy(['--destroy']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('no server named controller');
  });

  it('access rules a cloud cannot enforce: auto falls back to a project+role credential and says so; required fails and removes what it made', async () => {
    seedVmKey(cloud);
    // As the devcloud's Nova answers a token of a credential with access rules (keystonemiddleware
    // without service_type): 401 even for a call the rules allow.
    cloud.accessRules = 'unsupported';
    const auto = await deploy(['--admin-listen=vm']);
    expect([auto.code, auto.stderr]).toEqual([0, '']);
    expect(auto.stdout).toMatch(
      /this cloud refused an allowed call with access rules \(401 .*\): its services cannot enforce them; using a credential bound to the project and role member only/,
    );
    const [credential] = cloud.applicationCredentials();
    expect(cloud.applicationCredentials()).toHaveLength(1);
    expect(credential).toMatchObject({
      accessRules: [],
      unrestricted: false,
      roles: [expect.objectContaining({ name: 'member' })],
    });
    expect(auto.stdout).toContain(
      'access rules: not supported by this cloud (project and role only)',
    );
    // The admin listener asked for: on the VM's address, with a token kept here (0600) and on the
    // VM only in the 0600 EnvironmentFile, never in the YAML or the output.
    const token = fs.readFileSync(path.join(dir, 'admin-token'), 'utf8').trim();
    expect(fs.statSync(path.join(dir, 'admin-token')).mode & 0o777).toBe(0o600);
    const incoming = path.join(diskRoot, servers()[0].id, 'disk/home/ubuntu/osa-incoming');
    expect(fs.readFileSync(path.join(incoming, 'controller.env'), 'utf8')).toContain(
      `OSA_ADMIN__BEARER_TOKEN=${token}`,
    );
    expect(fs.statSync(path.join(incoming, 'controller.env')).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(path.join(incoming, 'controller.yaml'), 'utf8')).not.toContain(token);
    for (const text of [auto.stdout, auto.stderr]) {
      expect(text).not.toContain(token);
      expect(text).not.toContain(credential.secret);
    }
    expect(auto.stdout).toContain(
      `OSA_ADMIN_TOKEN="$(cat ${path.join(dir, 'admin-token')})" npx osa status --url http://${vmAddress}:8001`,
    );
    expect((await deploy(['--destroy'])).code).toBe(0);

    const required = await deploy(['--access-rules=required']);
    expect(required.code).toBe(1);
    expect(required.stderr).toMatch(
      /refuses calls the access rules allow .*Pass --access-rules=auto/s,
    );
    expect(cloud.applicationCredentials()).toEqual([]);
    expect(servers().filter((s) => s.status !== 'DELETED')).toEqual([]);
    expect([...cloud.state.securityGroups.values()].map((g) => g.name)).not.toContain(
      'osa-controller',
    );
  });

  it('bad arguments are refused with the flag and what is allowed, before any cloud call', async () => {
    for (const [args, message] of [
      [['--port=0'], /--port: "0" is not a port \(allowed: 1-65535\)/],
      [['--delivery=ftp'], /--delivery: "ftp" is not known \(allowed: ssh, disk\)/],
      [
        ['--admin-listen=everywhere'],
        /--admin-listen: "everywhere" is neither vm nor an IP address/,
      ],
      [['--delete-scaled-servers'], /--delete-scaled-servers: only goes with --destroy/],
    ] as const) {
      const run = await deploy([...args]);
      expect([run.code, run.stderr]).toEqual([2, expect.stringMatching(message)]);
    }
    expect(cloud.calls).toEqual([]);
  });
});

async function createServer(name: string, metadata: Record<string, string>): Promise<string> {
  const client = OpenStackClient.fromEnvironment({
    env: cloud.openrcEnv(),
    cwd: dir,
    homeDir: dir,
  });
  const image = [...cloud.state.images.values()][0];
  const network = [...cloud.state.networks.values()][0];
  const flavor = [...cloud.state.flavors.values()][0];
  const ref = await client.compute.servers.create({
    name,
    imageId: image.id,
    flavorId: flavor.id,
    networks: [{ uuid: network.id }],
    metadata,
  });
  await client.compute.servers.waitForStatus(ref.id, { target: 'ACTIVE', timeoutMs: 10_000 });
  client.close();
  return ref.id;
}

async function deployOtherServer(): Promise<string> {
  return createServer('controller', {});
}

async function waitGone(id: string): Promise<void> {
  for (
    let i = 0;
    i < 100 && cloud.state.servers.get(id) && cloud.state.servers.get(id)?.status !== 'DELETED';
    i++
  )
    await new Promise((resolve) => setTimeout(resolve, 50));
}
