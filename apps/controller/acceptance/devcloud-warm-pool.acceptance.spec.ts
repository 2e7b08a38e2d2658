/**
 * Acceptance (and the measurement behind the README's warm-pool figures): on a real OpenStack,
 * one scale-out from a warm server and one cold, in the same run, each timed from the trigger to
 * the first request the new server serves, and Nova's own share taken out:
 *
 *   cold: Nova's BUILD -> ACTIVE = `OS-SRV-USG:launched_at` - `created`
 *   warm: Nova's os-start = the `start` instance action's updated_at - start_time (2.58+)
 *   controller overhead = trigger -> first served request - Nova's own time
 *
 * (Nova keeps these times in whole seconds: the overhead is good to about a second.) Then
 * `openstack server list` shows exactly the expected servers, and after the cleanup none is left.
 * Skips without OS_CLOUD; the golden image is a snapshot of a server that ran the bake's user data.
 */
import { spawnSync } from 'node:child_process';
import { extractAddress, OpenStackClient, type Server } from '@osa/openstack-client';
import { findSystemTool } from '@osa/openstack-testkit';
import { ControllerProcess } from '../e2e/support/controller-process';
import { getJson, httpGet } from '../e2e/support/http-get';
import { ownLoopbackPrefix } from '../e2e/support/loopback';
import { postJson } from '../e2e/support/admin-client';
import { ServiceInstance } from '../e2e/support/service-instance';
import {
  AcceptanceCleanup,
  ACCEPTANCE_SETTINGS,
  assertLoopback,
  bakeUserData,
  cloudVariables,
  deleteServersListed,
  describeWithCloud,
  hostOf,
  runTag,
  waitForServiceHealthy,
} from './devcloud-seed-support';

const settings = ACCEPTANCE_SETTINGS;
const BOOT_TIMEOUT_MS = 150_000;

interface StatusView {
  instances: Array<{ id: string; name: string; state: string; ip: string | null }>;
  warmPool: {
    warm: number;
    filling: number;
    takenWarm: number;
    coldBecauseEmpty: number;
    members: Array<{ id: string }>;
  };
  admission: { lastCold: Breakdown | null; lastWarm: Breakdown | null };
  scaling: { inProgress: unknown[] };
}
interface Breakdown {
  totalMs: number;
  phases: Array<{ phase: string; ms: number; share: number }>;
}

function progress(message: string): void {
  process.stderr.write(`[acceptance] ${message}\n`);
}

/** Nova writes times without a zone (UTC). */
const novaMs = (text: string | undefined): number =>
  Date.parse(/Z|[+-]\d\d:\d\d$/.test(text ?? '') ? (text as string) : `${text}Z`);

describeWithCloud(
  'controller acceptance: scale-out from a warm server vs cold, controller overhead (real cloud)',
  () => {
    jest.setTimeout(8 * 60_000);
    const tag = runTag();
    const names = {
      key: `${tag}-key`,
      base: `${tag}-base`,
      golden: `${tag}-service-golden`,
      autoPrefix: `${tag}-service-auto-`,
    };
    const cleanup = new AcceptanceCleanup();
    let client: OpenStackClient;
    let controller: ControllerProcess | undefined;
    let original: ServiceInstance | undefined;
    let goldenImageId: string;

    const deleteServers = (filter: { exactName?: string; name?: string }): Promise<void> =>
      deleteServersListed(client, filter);
    const waitForHealthy = (host: string, timeoutMs: number): Promise<void> =>
      waitForServiceHealthy(host, settings.servicePort, timeoutMs);

    beforeAll(async () => {
      client = OpenStackClient.fromEnvironment({ overrides: { timeoutMs: 30_000 } });
      const [image, flavor, network] = await Promise.all([
        client.image.images.findByName(settings.baseImage),
        client.compute.flavors.find(settings.flavor),
        client.network.networks.find(settings.network),
      ]);
      if (!image) throw new Error(`image ${settings.baseImage} not found (set OSA_ACC_IMAGE)`);
      cleanup.add(`delete key pair ${names.key}`, () => client.compute.keypairs.delete(names.key));
      cleanup.add(`delete images ${names.golden}`, async () => {
        for (const img of await client.image.images.list({ name: names.golden }).toArray())
          await client.image.images.delete(img.id);
      });
      cleanup.add(`delete server ${names.base}`, () => deleteServers({ exactName: names.base }));
      cleanup.add(`delete servers ${names.autoPrefix}*`, () =>
        deleteServers({ name: `^${names.autoPrefix}` }),
      );

      await client.compute.keypairs.create(names.key);
      // The golden image: a server that ran the bake's user data (the service enabled on its disk), snapshotted stopped.
      const ref = await client.compute.servers.create({
        name: names.base,
        imageId: image.id,
        flavorId: flavor.id,
        networks: [{ uuid: network.id }],
        userData: bakeUserData(settings.servicePort),
      });
      const base = await client.compute.servers.waitForActive(ref.id, {
        timeoutMs: BOOT_TIMEOUT_MS,
      });
      await waitForHealthy(extractAddress(base, { networkName: settings.network }), 60_000);
      await client.compute.servers.stop(ref.id);
      await client.compute.servers.waitForShutoff(ref.id, { timeoutMs: 120_000 });
      goldenImageId = (await client.compute.servers.createImage(ref.id, { name: names.golden }))
        .imageId;
      await client.image.images.waitForStatus(goldenImageId, {
        target: 'active',
        timeoutMs: 120_000,
      });
      await deleteServers({ exactName: names.base });
      progress(`golden image ${names.golden} ${goldenImageId}`);
    });

    afterAll(async () => {
      try {
        await controller?.stop();
        if (controller && process.env['OSA_ACC_SHOW_CONTROLLER_LOG'] !== '0')
          progress(`controller log (last 60 lines):\n${controller.lines.slice(-60).join('\n')}`);
        await original?.stop();
        await cleanup.runAll();
        // No leftovers: nothing of this run remains in the project.
        expect(await client.compute.servers.list({ name: `^${tag}` }).toArray()).toEqual([]);
      } finally {
        client.close();
      }
    });

    it('a warm server serves sooner than a cold create; both figures printed; the server list holds exactly what is expected', async () => {
      const prefix = ownLoopbackPrefix();
      // The original is a local service (provider.openstack.originalUrl): only the scale-outs are Nova servers.
      original = await ServiceInstance.start(`${prefix}.1`, settings.servicePort);
      controller = ControllerProcess.start(
        {
          proxy: { listenHost: `${prefix}.200`, listenPort: 0 },
          admin: { listenHost: `${prefix}.201`, listenPort: 0 },
          provider: {
            kind: 'openstack',
            group: tag,
            namePrefix: names.autoPrefix,
            openstack: {
              image: names.golden,
              flavor: settings.flavor,
              network: settings.network,
              keyName: names.key,
              servicePort: settings.servicePort,
              originalUrl: `http://${prefix}.1:${settings.servicePort}`,
            },
          },
          scaling: {
            policies: [],
            maxInstances: 3,
            bootTimeoutMs: BOOT_TIMEOUT_MS,
            warmPool: { size: 1, checkIntervalMs: 1_000 },
          },
          health: { intervalMs: 250, readinessTimeoutMs: 60_000 },
        },
        cloudVariables(),
      );
      const { proxy, admin } = await controller.addresses(60_000);
      const status = (): Promise<StatusView> =>
        getJson<StatusView>(admin.host, admin.port, '/status');
      const waitFor = async (
        what: string,
        accept: (view: StatusView) => boolean,
        timeoutMs: number,
      ): Promise<StatusView> => {
        const deadline = Date.now() + timeoutMs;
        let lastLineMs = Date.now();
        for (;;) {
          const view = await status();
          if (accept(view)) return view;
          if (Date.now() > deadline)
            throw new Error(`timed out waiting for ${what}: ${JSON.stringify(view.warmPool)}`);
          if (Date.now() - lastLineMs > 10_000) {
            lastLineMs = Date.now();
            progress(
              `waiting for ${what}: warm pool ${JSON.stringify({ warm: view.warmPool.warm, filling: view.warmPool.filling })}`,
            );
          }
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      };
      await waitFor(
        'one warm server',
        (view) => view.warmPool.warm === 1 && view.warmPool.filling === 0,
        4 * 60_000,
      );
      const [warmMember] = (await status()).warmPool.members;

      /** Triggers a scale-out to `instances` and times it until a request is served from an address not in `known`. */
      async function scaleOut(
        instances: number,
        known: Set<string>,
      ): Promise<{ ms: number; address: string }> {
        const startedMs = Date.now();
        expect(
          (await postJson(admin.host, admin.port, '/scaling/desired', { instances })).status,
        ).toBe(202);
        for (let n = 0; n < 20_000; n++) {
          const reply = await httpGet(proxy.host, proxy.port, '/', 5_000).catch(() => undefined);
          const address = reply?.headers['x-instance-address'] as string | undefined;
          if (reply?.status === 200 && address && !known.has(address))
            return { ms: Date.now() - startedMs, address };
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        throw new Error('no request was served by the new instance');
      }
      const known = new Set([`${prefix}.1:${settings.servicePort}`]);

      const warm = await scaleOut(2, known);
      known.add(warm.address);
      const afterWarm = await status();
      expect(afterWarm.warmPool.takenWarm).toBe(1);
      // At once, while the pool refills: this one is created cold.
      const cold = await scaleOut(3, known);

      const servers = await client.compute.servers.list({ name: `^${names.autoPrefix}` }).toArray();
      const byAddress = (hostPort: string): Server => {
        const found = servers.find(
          (server) =>
            server.status === 'ACTIVE' &&
            `${extractAddress(server, { networkName: settings.network })}:${settings.servicePort}` ===
              hostPort,
        );
        if (!found) throw new Error(`no ACTIVE server at ${hostPort}`);
        return found;
      };
      const warmServer = byAddress(warm.address);
      const coldServer = byAddress(cold.address);
      expect(warmServer.id).toBe(warmMember.id);
      assertLoopback(hostOf(cold.address), 'address of the cold server');
      const startAction = (await client.compute.servers.actions(warmServer.id)).find(
        (entry) => entry.action === 'start',
      );
      const novaWarmMs = novaMs(startAction?.updatedAt) - novaMs(startAction?.startTime);
      const novaColdMs = novaMs(coldServer.launchedAt) - novaMs(coldServer.created);
      const view = await waitFor(
        'the pool refilled and nothing in progress',
        (current) =>
          current.warmPool.warm === 1 &&
          current.warmPool.filling === 0 &&
          current.scaling.inProgress.length === 0,
        4 * 60_000,
      );
      const shares = (breakdown: Breakdown | null): string =>
        (breakdown?.phases ?? [])
          .map((phase) => `${phase.phase} ${phase.ms} ms (${Math.round(phase.share * 100)}%)`)
          .join(', ');
      const line = (kind: string, totalMs: number, novaOwnMs: number, novaWhat: string): string =>
        `${kind}: trigger -> first served request ${totalMs} ms; Nova's own ${novaWhat} ${novaOwnMs} ms (whole seconds); controller overhead ${totalMs - novaOwnMs} ms`;
      progress(
        `[warm-vs-cold] ${line('cold', cold.ms, novaColdMs, 'BUILD -> ACTIVE (launched_at - created)')}; phases: ${shares(view.admission.lastCold)}`,
      );
      progress(
        `[warm-vs-cold] ${line('warm', warm.ms, novaWarmMs, 'os-start (start action updated_at - start_time)')}; phases: ${shares(view.admission.lastWarm)}`,
      );
      expect(warm.ms).toBeLessThan(cold.ms);
      expect(view.admission.lastWarm?.phases.map((phase) => phase.phase)).toEqual([
        'creating',
        'powering-on',
        'addressing',
        'health-checking',
      ]);
      expect(view.admission.lastCold?.phases.map((phase) => phase.phase)).toEqual([
        'creating',
        'booting',
        'addressing',
        'health-checking',
      ]);

      // Exactly the expected servers: the two in service and one warm (SHUTOFF), as the openstack CLI lists them.
      const expected = [
        [warmServer.id, 'ACTIVE'],
        [coldServer.id, 'ACTIVE'],
        [view.warmPool.members[0].id, 'SHUTOFF'],
      ].sort();
      const cli = findSystemTool('openstack');
      if (cli) {
        const listed = spawnSync(
          cli,
          [
            'server',
            'list',
            '--name',
            `^${names.autoPrefix}`,
            '-f',
            'json',
            '-c',
            'ID',
            '-c',
            'Status',
          ],
          { encoding: 'utf8', env: process.env, timeout: 60_000 },
        );
        expect(listed.status).toBe(0);
        expect(
          (JSON.parse(listed.stdout) as Array<{ ID: string; Status: string }>)
            .map((row) => [row.ID, row.Status])
            .sort(),
        ).toEqual(expected);
      } else {
        progress(
          'openstack CLI not installed (apt-get install -y python3-openstackclient): the server list is checked through the client only',
        );
      }
      const now = await client.compute.servers.list({ name: `^${names.autoPrefix}` }).toArray();
      expect(now.map((server) => [server.id, server.status]).sort()).toEqual(expected);
    });
  },
);
