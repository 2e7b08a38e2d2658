// Fidelity with a client nobody here wrote: the real `openstack` CLI (python-openstackclient +
// openstacksdk + novaclient) runs the seed tutorial's steps against the fake, as a child process
// reading a clouds.yaml from a temporary directory. Each step asserts the same kind of answer the
// CLI prints on the devcloud (compared by hand; differences are listed in the testkit README).
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { FakeOpenStack, SYSTEM_TOOLS, describeWithTools } from '../src/index';

const run = promisify(execFile);
/** One CLI call: Python start-up alone takes 1-3 s on a loaded 2-core machine. */
const CLI_TIMEOUT_MS = 90_000;
const STEP_TIMEOUT_MS = 180_000;

describeWithTools(
  [SYSTEM_TOOLS.openstack],
  'the openstack CLI against the fake (seed steps)',
  () => {
    let cloud: FakeOpenStack;
    let configDir: string;
    let serverId: string;

    /** Runs `openstack <args>` against the fake; rejects with the CLI's stderr on a non-zero exit. */
    async function openstack(...args: string[]): Promise<string> {
      const env: NodeJS.ProcessEnv = {};
      for (const [key, value] of Object.entries(process.env))
        if (!key.startsWith('OS_')) env[key] = value; // a developer's own cloud must not leak in
      env.OS_CLIENT_CONFIG_FILE = path.join(configDir, 'clouds.yaml');
      env.OS_CLOUD = 'fake';
      env.HOME = configDir; // no ~/.config/openstack of the person running the tests
      try {
        const { stdout } = await run('openstack', args, { env, timeout: CLI_TIMEOUT_MS });
        return stdout;
      } catch (err) {
        const failed = err as { stderr?: string; message: string };
        throw new Error(`openstack ${args.join(' ')} failed: ${failed.stderr || failed.message}`);
      }
    }
    async function openstackJson<T = Record<string, unknown>>(...args: string[]): Promise<T> {
      return JSON.parse(await openstack(...args, '-f', 'json')) as T;
    }
    /** `server stop/start` return at once (the CLI has no --wait for them here): poll as a user would. */
    async function statusBecomes(expected: string): Promise<string> {
      let status = '';
      for (let attempt = 1; attempt <= 10 && status !== expected; attempt++)
        status = (
          await openstack('server', 'show', serverId, '-f', 'value', '-c', 'status')
        ).trim();
      return status;
    }

    beforeAll(async () => {
      cloud = await FakeOpenStack.start({ profile: 'devcloud' });
      configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'osa-cli-'));
      fs.writeFileSync(path.join(configDir, 'clouds.yaml'), cloud.cloudsYaml('fake'), {
        mode: 0o600,
      });
    });
    afterAll(async () => {
      await cloud?.stop();
      if (configDir) fs.rmSync(configDir, { recursive: true, force: true });
    });

    it(
      'token issue',
      async () => {
        const token = await openstackJson('token', 'issue');
        expect(token).toMatchObject({
          project_id: cloud.credentials.projectId,
          user_id: cloud.credentials.userId,
        });
        expect(Date.parse(String(token.expires))).toBeGreaterThan(Date.now());
      },
      STEP_TIMEOUT_MS,
    );

    it(
      'flavor list (reads each flavor’s os-extra_specs), image / network / subnet / security group list',
      async () => {
        const flavors = await openstackJson<Array<Record<string, unknown>>>('flavor', 'list');
        expect(flavors).toEqual([
          expect.objectContaining({ ID: '1', Name: 'm1.tiny', RAM: 512, Disk: 1, VCPUs: 1 }),
          expect.objectContaining({ ID: '2', Name: 'm1.small', RAM: 2048, Disk: 20, VCPUs: 1 }),
        ]);
        expect(cloud.callsTo('compute', 'GET', /\/flavors\/1\/os-extra_specs$/)[0].status).toBe(
          200,
        );
        const images = await openstackJson<Array<Record<string, unknown>>>('image', 'list');
        expect(images).toEqual([expect.objectContaining({ Name: 'ubuntu', Status: 'active' })]);
        const networks = await openstackJson<Array<Record<string, unknown>>>('network', 'list');
        const subnets = await openstackJson<Array<Record<string, unknown>>>('subnet', 'list');
        expect(subnets).toEqual([
          expect.objectContaining({ Name: 'test-subnet', Subnet: '127.200.0.0/24' }),
        ]);
        expect(networks).toEqual([
          expect.objectContaining({ Name: 'test', Subnets: [subnets[0].ID] }),
        ]);
        const groups = await openstackJson<Array<Record<string, unknown>>>(
          'security',
          'group',
          'list',
        );
        expect(groups).toEqual([
          expect.objectContaining({ Name: 'default', Project: cloud.credentials.projectId }),
        ]);
      },
      STEP_TIMEOUT_MS,
    );

    it(
      'keypair create prints the private key Nova generated',
      async () => {
        const privateKey = await openstack('keypair', 'create', 'cli-key');
        expect(privateKey).toContain('-----BEGIN RSA PRIVATE KEY-----');
        expect(cloud.state.keypairs.get('cli-key')?.publicKey).toMatch(/^ssh-rsa /);
      },
      STEP_TIMEOUT_MS,
    );

    it(
      'server create --wait, then server list --long and console log show',
      async () => {
        const server = await openstackJson(
          'server',
          'create',
          '--image',
          'ubuntu',
          '--flavor',
          'm1.tiny',
          '--network',
          'test',
          '--key-name',
          'cli-key',
          '--wait',
          'cli-vm',
        );
        expect(server).toMatchObject({
          name: 'cli-vm',
          status: 'ACTIVE',
          'OS-EXT-STS:vm_state': 'active',
          flavor: 'm1.tiny (1)',
          key_name: 'cli-key',
        });
        expect((server.addresses as Record<string, string[]>).test[0]).toMatch(
          /^127\.200\.0\.\d+$/,
        );
        serverId = String(server.id);

        const [listed] = await openstackJson<Array<Record<string, unknown>>>(
          'server',
          'list',
          '--long',
        );
        expect(listed).toMatchObject({
          ID: serverId,
          Status: 'ACTIVE',
          'Power State': 1, // the table format prints it as "Running"
          'Image Name': 'ubuntu',
          'Flavor Name': 'm1.tiny',
        });

        cloud.setConsoleOutput(serverId, 'service: listening on 127.200.0.2:5000\n');
        expect(await openstack('console', 'log', 'show', 'cli-vm')).toContain('service: listening');
      },
      STEP_TIMEOUT_MS,
    );

    it(
      'server stop, server image create --wait, image show, server start',
      async () => {
        expect(await openstack('server', 'stop', 'cli-vm')).toBe('');
        expect(await statusBecomes('SHUTOFF')).toBe('SHUTOFF');

        const image = await openstackJson(
          'server',
          'image',
          'create',
          '--wait',
          '--name',
          'cli-golden',
          'cli-vm',
        );
        expect(image).toMatchObject({ name: 'cli-golden', status: 'active' });
        const shown = await openstackJson('image', 'show', 'cli-golden');
        expect(shown).toMatchObject({
          id: image.id,
          status: 'active',
          visibility: 'private',
          properties: expect.objectContaining({ image_type: 'snapshot', instance_uuid: serverId }),
        });

        expect(await openstack('server', 'start', 'cli-vm')).toBe('');
        expect(await statusBecomes('ACTIVE')).toBe('ACTIVE');
      },
      STEP_TIMEOUT_MS,
    );

    it(
      'server delete --wait, then quota show',
      async () => {
        await openstack('server', 'delete', '--wait', 'cli-vm');
        expect(cloud.state.servers.has(serverId)).toBe(false);
        expect(await openstackJson<unknown[]>('server', 'list')).toEqual([]);

        const quota = await openstackJson('quota', 'show');
        // The devcloud profile's demo quotas, merged by the CLI from Nova and Neutron.
        expect(quota).toMatchObject({
          instances: 50,
          cores: 50,
          ram: 100000,
          ports: 100,
          'floating-ips': -1,
          project: cloud.credentials.projectId,
        });
      },
      STEP_TIMEOUT_MS,
    );
  },
);
