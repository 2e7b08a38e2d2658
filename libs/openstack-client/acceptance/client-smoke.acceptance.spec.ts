/**
 * Acceptance smoke for @osa/openstack-client against a REAL cloud: the same calls the unit specs
 * make against loopback fixtures, here against whatever OS_CLOUD / OS_AUTH_URL points at (CI: the
 * devcloud). Without either variable the suite is skipped and says why.
 *
 * What it creates is named `osa-smoke-<random>` and deleted again; cleanup is registered the
 * moment the cloud returns an id (not after a wait), every wait is bounded and prints progress.
 *
 *   OS_CLOUD=devcloud OS_CLIENT_CONFIG_FILE=/var/lib/devcloud/clouds.yaml \
 *     npx jest -c libs/openstack-client/jest.config.cjs libs/openstack-client/acceptance/client-smoke
 */
import { randomBytes } from 'node:crypto';
import { NotFoundError, OpenStackClient, extractAddress, type ClientEvent } from '../src';

const CONFIGURED = Boolean(process.env['OS_CLOUD'] || process.env['OS_AUTH_URL']);
const SKIP_REASON =
  'neither OS_CLOUD nor OS_AUTH_URL is set, so there is no real cloud to run against';
const BOOT = process.env['OSA_SMOKE_BOOT'] !== '0';
const IMAGE = process.env['OSA_ACC_IMAGE'] ?? 'ubuntu';
const FLAVOR = process.env['OSA_ACC_FLAVOR'] ?? 'm1.tiny';
const NETWORK = process.env['OSA_ACC_NETWORK'] ?? 'test';

if (!CONFIGURED)
  process.stderr.write(`[acceptance] openstack-client smoke SKIPPED: ${SKIP_REASON}\n`);
const describeCloud = CONFIGURED ? describe : describe.skip;

describeCloud(
  `openstack-client smoke against a real cloud${CONFIGURED ? '' : ` [skipped: ${SKIP_REASON}]`}`,
  () => {
    jest.setTimeout(180_000);
    const name = `osa-smoke-${randomBytes(3).toString('hex')}`;
    const events: ClientEvent[] = [];
    const cleanups: Array<{ what: string; run: () => Promise<unknown> }> = [];
    let client: OpenStackClient;

    beforeAll(() => {
      client = OpenStackClient.fromEnvironment({ logger: (e) => events.push(e) });
    });
    afterAll(async () => {
      for (const cleanup of cleanups.reverse()) {
        await cleanup
          .run()
          .catch((err: unknown) =>
            process.stderr.write(`[acceptance] cleanup "${cleanup.what}" failed: ${String(err)}\n`),
          );
      }
      client.close();
    });

    it('authenticates, reads the catalog and negotiates a compute microversion', async () => {
      const token = await client.identity.token();
      expect(token.expiresAt.getTime()).toBeGreaterThan(Date.now());
      expect(token.projectId).toBeTruthy();
      for (const type of ['compute', 'image', 'network'])
        await expect(client.identity.endpointFor(type)).resolves.toMatch(/^https?:\/\//);
      const mv = await client.compute.microversion();
      expect(mv.atLeast('2.1')).toBe(true);
      process.stderr.write(`[acceptance] compute microversion ${mv}\n`);
    });

    it('reads flavors, images, networks and the default security group', async () => {
      expect((await client.compute.flavors.find(FLAVOR)).name).toBe(FLAVOR);
      expect((await client.image.images.findByName(IMAGE))?.status).toBe('active');
      expect((await client.network.networks.find(NETWORK)).name).toBe(NETWORK);
      expect((await client.network.securityGroups.findDefault()).name).toBe('default');
    });

    it('reports a missing server as NotFoundError with a request id', async () => {
      const error = (await client.compute.servers
        .get('00000000-0000-4000-8000-000000000000')
        .catch((e: unknown) => e)) as NotFoundError;
      expect(error).toBeInstanceOf(NotFoundError);
      expect(error.requestId).toMatch(/^req-/);
    });

    (BOOT ? it : it.skip)(
      'boots a server to ACTIVE, reads its fixed address, deletes it',
      async () => {
        const [image, flavor, network] = await Promise.all([
          client.image.images.findByName(IMAGE),
          client.compute.flavors.find(FLAVOR),
          client.network.networks.find(NETWORK),
        ]);
        const ref = await client.compute.servers.create({
          name,
          imageId: image?.id ?? IMAGE,
          flavorId: flavor.id,
          networks: [{ uuid: network.id }],
          metadata: { 'osa:smoke': name },
        });
        cleanups.push({
          what: `delete server ${ref.id}`,
          run: () => client.compute.servers.delete(ref.id),
        });
        const progress = (p: { status: string; elapsedMs: number }) =>
          process.stderr.write(
            `[acceptance] server ${ref.id}: ${p.status} after ${p.elapsedMs} ms\n`,
          );
        const server = await client.compute.servers.waitForStatus(ref.id, {
          target: 'ACTIVE',
          timeoutMs: 120_000,
          onProgress: progress,
        });
        expect(extractAddress(server, { networkName: NETWORK, type: 'fixed' })).toMatch(
          /^\d+\.\d+\.\d+\.\d+$/,
        );
        expect(server.metadata['osa:smoke']).toBe(name);
        expect(await client.compute.servers.delete(ref.id)).toBe(true);
        await client.compute.servers.waitForDeleted(ref.id, {
          timeoutMs: 60_000,
          onProgress: progress,
        });
        expect(await client.compute.servers.find(ref.id)).toBeUndefined();
      },
    );

    it('logged requests without secrets', () => {
      expect(events.some((e) => e.type === 'request')).toBe(true);
      const password = process.env['OS_PASSWORD'];
      if (password) expect(JSON.stringify(events)).not.toContain(password);
    });
  },
);
