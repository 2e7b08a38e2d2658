/**
 * Acceptance: `nx run tools:bake-image` (the built CLI) against a real OpenStack, end to end, in
 * --readiness=health mode (the health URL on the server's Neutron address is the signal). On the
 * devcloud the workload runner (tools/devcloud-workload) applies the bake's cloud-init user data,
 * so the base VM serves only because its user data installed and enabled the service.
 *
 * Run 1 bakes: base VM ACTIVE and healthy, stopped, snapshotted, the image active with its
 * provenance properties, the VM restarted. Run 2 is idempotent: same VM reused, prerequisites
 * present, only a newer image. Everything is named osa-acc-<run>-... and deleted at the end
 * (cleanup is registered by name before the bake runs, since the bake creates in a child process).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { goldenImageCandidateOf, selectGoldenImage } from '@osa/golden-image';
import { extractAddress, OpenStackClient, type Image } from '@osa/openstack-client';
import {
  AcceptanceCleanup,
  assertLoopback,
  describeWithCloud,
  httpGet,
  isLoopbackCidr,
  runBakeCli,
  runTag,
  SERVICE_BUNDLE,
  WORKSPACE_ROOT,
  type CliRun,
} from './bake-acceptance-support';

const settings = {
  network: process.env['OSA_ACC_NETWORK'] ?? 'test',
  baseImage: process.env['OSA_ACC_IMAGE'] ?? 'ubuntu',
  flavor: process.env['OSA_ACC_FLAVOR'] ?? 'm1.tiny',
  servicePort: Number(process.env['OSA_ACC_SERVICE_PORT'] ?? 5000),
};
const BAKE_TIMEOUT_MS = 5 * 60_000;

function expectBaked(run: CliRun): void {
  if (run.code !== 0)
    throw new Error(`bake exited ${run.code ?? run.signal}:\n${run.stdout}\n${run.stderr}`);
  expect(run.stderr).toBe('');
}

describeWithCloud(
  'bake-image acceptance: --readiness=health against a real OpenStack (devcloud)',
  () => {
    jest.setTimeout(2 * BAKE_TIMEOUT_MS + 120_000);
    const tag = runTag();
    const names = {
      securityGroup: `${tag}-sg`,
      key: `${tag}-key`,
      baseVm: `${tag}-service-vm-1`,
      image: `${tag}-service-golden`,
    };
    const cleanup = new AcceptanceCleanup();
    let client: OpenStackClient;
    let dir: string;
    let keyFile: string;
    let subnetCidr: string;
    let args: string[];

    const imagesNamed = async (): Promise<Image[]> =>
      (await client.image.images.list({ name: names.image }).toArray()).filter(
        (i) => i.name === names.image,
      );

    beforeAll(async () => {
      client = OpenStackClient.fromEnvironment({ overrides: { timeoutMs: 30_000 } });
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bake-acceptance-'));
      keyFile = path.join(dir, 'vm-key.pem');
      cleanup.add(`remove ${dir}`, async () => fs.rmSync(dir, { recursive: true, force: true }));

      // The existing network and its subnet (the devcloud's `test`, 127.200.0.0/24). The bake's
      // default 192.168.222.0/24 is what the devcloud refuses, so pass the cloud's own values; and
      // only a loopback subnet guarantees the bake's health probe stays on loopback.
      const network = await client.network.networks.find(settings.network);
      const [subnet] = await client.network.subnets.list({ networkId: network.id }).toArray();
      if (!subnet) throw new Error(`network ${settings.network} has no subnet`);
      if (!isLoopbackCidr(subnet.cidr)) {
        throw new Error(
          `subnet ${subnet.name} is ${subnet.cidr}, outside 127.0.0.0/8: this suite only runs where server addresses are loopback (the devcloud)`,
        );
      }
      subnetCidr = subnet.cidr;

      // A security group of our own, so the bake's ingress rule goes away with it.
      const res = await client.session.request('network', {
        method: 'POST',
        path: '/security-groups',
        json: {
          security_group: { name: names.securityGroup, description: `bake acceptance ${tag}` },
        },
      });
      const groupId = (JSON.parse(res.body.toString('utf8')) as { security_group: { id: string } })
        .security_group.id;
      cleanup.add(`delete security group ${names.securityGroup}`, () =>
        client.session.request('network', {
          method: 'DELETE',
          path: `/security-groups/${groupId}`,
        }),
      );
      // Registered before the bake runs, by name: the key pair, the golden images, the base VM.
      cleanup.add(`delete key pair ${names.key}`, () => client.compute.keypairs.delete(names.key));
      cleanup.add(`delete images ${names.image}`, async () => {
        for (const image of await imagesNamed()) await client.image.images.delete(image.id);
      });
      cleanup.add(`delete server ${names.baseVm}`, async () => {
        for (const server of await client.compute.servers
          .list({ exactName: names.baseVm })
          .toArray()) {
          await client.compute.servers.delete(server.id);
          await client.compute.servers.waitForDeleted(server.id, { timeoutMs: 90_000 });
        }
      });

      args = [
        '--readiness=health',
        `--network=${settings.network}`,
        `--subnet-cidr=${subnetCidr}`,
        `--security-group=${names.securityGroup}`,
        `--ports=${settings.servicePort}`,
        '--remote-ip=127.0.0.0/8',
        `--key-name=${names.key}`,
        `--key-file=${keyFile}`,
        `--base-vm-name=${names.baseVm}`,
        `--image-name=${names.image}`,
        `--base-image=${settings.baseImage}`,
        `--flavor=${settings.flavor}`,
        `--service-port=${settings.servicePort}`,
        '--boot-timeout=3m',
        '--ready-timeout=2m',
        '--stop-timeout=2m',
        '--image-timeout=3m',
        '--start-timeout=2m',
        '--ready-poll-interval=1s',
        '--progress-interval=5s',
      ];
    });

    afterAll(async () => {
      try {
        await cleanup.runAll();
        // Nothing of this run is left.
        expect(await client.compute.servers.list({ name: `^${tag}` }).toArray()).toEqual([]);
        expect(await imagesNamed()).toEqual([]);
      } finally {
        client.close();
      }
    });

    it('bakes: base VM healthy on its Neutron address, snapshot active with provenance, VM restarted; a re-run reuses everything and adds only a newer image', async () => {
      const bundleSha256 = createHash('sha256')
        .update(fs.readFileSync(SERVICE_BUNDLE))
        .digest('hex');
      const version = (
        JSON.parse(fs.readFileSync(path.join(WORKSPACE_ROOT, 'package.json'), 'utf8')) as {
          version: string;
        }
      ).version;

      // ---- run 1
      const first = await runBakeCli(args, BAKE_TIMEOUT_MS);
      expectBaked(first);
      const [vm] = await client.compute.servers.list({ exactName: names.baseVm }).toArray();
      expect(vm).toBeDefined();
      expect(vm).toMatchObject({
        status: 'ACTIVE',
        keyName: names.key,
        securityGroups: [names.securityGroup],
      });
      expect(vm.metadata).toMatchObject({
        osa_role: 'bake-base-vm',
        osa_bundle_sha256: bundleSha256,
      });
      const address = extractAddress(vm, { networkName: settings.network });
      assertLoopback(address, `address of ${names.baseVm}`);
      expect(first.stdout).toContain(
        `ready: health: http://${address}:${settings.servicePort}/healthz answered HTTP 200`,
      );
      // The prerequisites: the existing network/subnet used as they are, our rule and key pair created.
      expect(first.stdout).toMatch(new RegExp(`network "${settings.network}": exists`));
      expect(first.stdout).not.toContain('the existing subnet is used as is');
      expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
      expect((await client.compute.keypairs.get(names.key)).name).toBe(names.key);

      const [image] = await imagesNamed();
      expect(await imagesNamed()).toHaveLength(1);
      expect(image).toMatchObject({ status: 'active', visibility: 'private' });
      expect(image.properties).toMatchObject({
        osa_role: 'golden-image',
        osa_service_version: version,
        osa_bundle_sha256: bundleSha256,
        osa_source_server_id: vm.id,
        osa_baked_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/),
        // Set by Nova on every snapshot.
        image_type: 'snapshot',
        instance_uuid: vm.id,
      });
      expect(first.stdout).toContain(`image id:      ${image.id}`);
      expect(first.stdout).toContain('controller picks it: yes');

      // The base VM was restarted and serves again at the same address.
      const health = await httpGet(address, settings.servicePort, '/healthz');
      expect(health.status).toBe(200);
      expect(JSON.parse(health.body)).toMatchObject({
        status: 'ok',
        address: `${address}:${settings.servicePort}`,
      });

      // On the devcloud the workload runner applied the bake's cloud-init (first boot) and, after
      // the restart, started the unit the user data had enabled on the VM's disk: the service
      // answers because the VM ran the user data, not because every server runs the bundle.
      // (Only where the runner runs: `[workload] booting` is its first console line.)
      const consoleText = await client.compute.servers.consoleOutput(vm.id);
      if (/^\[workload\] booting /m.test(consoleText)) {
        expect(consoleText).toMatch(/Started service-app\.service/);
        expect(consoleText).toMatch(/OSA-BAKE-READY:|user data already applied for instance/);
      } else {
        process.stderr.write(
          '[acceptance] the base VM does not run the devcloud workload runner: its console is not checked\n',
        );
      }

      // ---- run 2: idempotent
      const keyBefore = fs.readFileSync(keyFile, 'utf8');
      const second = await runBakeCli(args, BAKE_TIMEOUT_MS);
      expectBaked(second);
      expect(second.stdout).toContain(
        `server ${names.baseVm} (${vm.id}) exists, is ACTIVE and runs this bundle: reusing it`,
      );
      expect(second.stdout).toContain(`tcp/${settings.servicePort} present`);
      expect(second.stdout).not.toMatch(/created:.*key pair/);
      expect(fs.readFileSync(keyFile, 'utf8')).toBe(keyBefore);
      const servers = await client.compute.servers.list({ exactName: names.baseVm }).toArray();
      expect(servers.map((s) => [s.id, s.status])).toEqual([[vm.id, 'ACTIVE']]);
      const rules = await client.network.securityGroupRules
        .list({ direction: 'ingress', protocol: 'tcp' })
        .toArray();
      const group = await client.network.securityGroups
        .list({ name: names.securityGroup })
        .toArray();
      expect(
        rules
          .filter((r) => r.securityGroupId === group[0]?.id)
          .map((r) => [r.portRangeMin, r.remoteIpPrefix]),
      ).toEqual([[settings.servicePort, '127.0.0.0/8']]);

      const images = await imagesNamed();
      expect(images).toHaveLength(2);
      expect(images.every((i) => i.status === 'active')).toBe(true);
      const newest = images.find((i) => i.id !== image.id);
      expect(newest?.properties).toMatchObject({
        osa_role: 'golden-image',
        osa_source_server_id: vm.id,
        osa_bundle_sha256: bundleSha256,
      });
      // The controller's rule picks the newer bake.
      const picked = selectGoldenImage(images.map(goldenImageCandidateOf), {
        name: names.image,
        ownerProjectId: (await client.identity.token()).projectId,
      });
      expect(picked.id).toBe(newest?.id);
      expect(second.stdout).toContain(`image id:      ${newest?.id}`);
      expect((await httpGet(address, settings.servicePort, '/healthz')).status).toBe(200);
      process.stderr.write(
        `[acceptance] bake run 1: ${(first.durationMs / 1000).toFixed(1)} s, run 2: ${(second.durationMs / 1000).toFixed(1)} s\n`,
      );
    });
  },
);
