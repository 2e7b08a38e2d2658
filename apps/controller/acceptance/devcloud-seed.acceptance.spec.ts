/**
 * Acceptance: the seed's section-16 scenario on the openstack provider against a real OpenStack
 * (the devcloud, whose servers run what their disk and user data carry: service-vm-1 gets the
 * bake's cloud-init user data, the clones run the unit baked into the golden image).
 *
 *   service-vm-1 booted from the base image, serving -> service-golden = a snapshot of it ->
 *   the built controller (threshold 10) proxies to service-vm-1, creates service-auto-* through
 *   Nova at request 10, answers 503 while it boots, then switches to the new server's address.
 *
 * Names carry this run's osa-acc-<hex> prefix; every server, the image and the key pair are
 * deleted at the end (cleanup registered before the controller could create anything).
 */
import { extractAddress, OpenStackClient, type Server } from '@osa/openstack-client';
import { ControllerProcess } from '../e2e/support/controller-process';
import { getJson } from '../e2e/support/http-get';
import { ownLoopbackPrefix } from '../e2e/support/loopback';
import { runSeedLoadLoop } from '../e2e/support/seed-load-loop';
import { LOGGED } from '../e2e/support/log-lines';
import {
  ACCEPTANCE_SETTINGS,
  AcceptanceCleanup,
  assertLoopback,
  bootBakedServer,
  cloudVariables,
  deleteImagesNamed,
  deleteServersListed,
  describeWithCloud,
  findAcceptanceResources,
  hostOf,
  isLoopbackCidr,
  runTag,
  snapshotStopped,
  waitForServiceHealthy,
} from './devcloud-seed-support';

const settings = ACCEPTANCE_SETTINGS;
const BOOT_TIMEOUT_MS = 120_000;

interface StatusView {
  mode: { provider: string };
  activeBackend: { name: string; address: string } | null;
  instances: Array<{
    id: string;
    name: string;
    role: string;
    state: string;
    ip: string | null;
    serving: boolean;
  }>;
  lastScaleEvent: {
    state: string;
    instanceId: string;
    instanceName: string;
    phaseDurationsMs: Record<string, number>;
  } | null;
  gate: { open: boolean };
}

function progress(message: string): void {
  process.stderr.write(`[acceptance] ${message}\n`);
}

describeWithCloud(
  'controller acceptance: the seed scenario on the openstack provider (real cloud)',
  () => {
    jest.setTimeout(6 * 60_000);
    const tag = runTag();
    const names = {
      key: `${tag}-key`,
      original: `${tag}-service-vm-1`,
      golden: `${tag}-service-golden`,
      autoPrefix: `${tag}-service-auto-`,
    };
    const cleanup = new AcceptanceCleanup();
    let client: OpenStackClient;
    let controller: ControllerProcess | undefined;
    let original: Server;
    let originalAddress: string;
    let goldenImageId: string;

    const deleteServers = (filter: { exactName?: string; name?: string }): Promise<void> =>
      deleteServersListed(client, filter);

    beforeAll(async () => {
      client = OpenStackClient.fromEnvironment({ overrides: { timeoutMs: 30_000 } });
      const resources = await findAcceptanceResources(client);
      // Only a loopback subnet guarantees that every address Nova reports (which the controller will
      // connect to) is inside 127.0.0.0/8.
      const subnets = await client.network.subnets
        .list({ networkId: resources.networkId })
        .toArray();
      const outside = subnets.filter((s) => !isLoopbackCidr(s.cidr));
      if (subnets.length === 0 || outside.length) {
        throw new Error(
          `network ${settings.network} has subnets outside 127.0.0.0/8 (${outside.map((s) => s.cidr).join(', ') || 'none at all'}): this suite needs the devcloud`,
        );
      }

      // Registered before anything exists, newest-first: the controller's servers, then ours.
      cleanup.add(`delete key pair ${names.key}`, () => client.compute.keypairs.delete(names.key));
      cleanup.add(`delete images ${names.golden}`, () => deleteImagesNamed(client, names.golden));
      cleanup.add(`delete server ${names.original}`, () =>
        deleteServers({ exactName: names.original }),
      );
      cleanup.add(`delete servers ${names.autoPrefix}*`, () =>
        deleteServers({ name: `^${names.autoPrefix}` }),
      );

      await client.compute.keypairs.create(names.key);

      // service-vm-1 (seed 7-9): the base image plus the bake's cloud-init user data, which
      // installs and enables the service (on the devcloud the workload runner applies it, and
      // the golden image then carries the enabled unit on its disk).
      ({ server: original, address: originalAddress } = await bootBakedServer(client, resources, {
        name: names.original,
        keyName: names.key,
        bootTimeoutMs: BOOT_TIMEOUT_MS,
        healthTimeoutMs: 30_000,
        onCreated: (id) => progress(`${names.original}: ${id} booting`),
      }));

      // service-golden (seed 10): stop, snapshot, start again (it stays the first backend).
      goldenImageId = await snapshotStopped(client, original.id, names.golden);
      await client.compute.servers.start(original.id);
      await client.compute.servers.waitForStatus(original.id, {
        target: 'ACTIVE',
        timeoutMs: 60_000,
      });
      await waitForHealthy(originalAddress, settings.servicePort, 30_000);
      progress(
        `${names.original} at ${originalAddress}, golden image ${names.golden} ${goldenImageId}`,
      );
    });

    afterAll(async () => {
      try {
        await controller?.stop();
        // The controller's own account of the run (scale-out phases, Nova calls), for a failed CI run.
        if (controller && process.env['OSA_ACC_SHOW_CONTROLLER_LOG'] !== '0') {
          progress(`controller log (last 80 lines):\n${controller.lines.slice(-80).join('\n')}`);
        }
        await cleanup.runAll();
        expect(await client.compute.servers.list({ name: `^${tag}` }).toArray()).toEqual([]);
      } finally {
        client.close();
      }
    });

    const waitForHealthy = waitForServiceHealthy;

    it('proxies to service-vm-1, creates one service-auto server from the golden image through Nova, 503 while it boots, then switches to its Neutron address', async () => {
      const prefix = ownLoopbackPrefix();
      // Nova's clock in its own format; `changes-since` also lists servers deleted since then.
      const scenarioStart = new Date(Date.now() - 60_000).toISOString();
      controller = ControllerProcess.start(
        {
          proxy: { listenHost: `${prefix}.200`, listenPort: 0 },
          admin: { listenHost: `${prefix}.201`, listenPort: 0 },
          provider: {
            kind: 'openstack',
            group: tag,
            originalName: names.original,
            namePrefix: names.autoPrefix,
            openstack: {
              image: names.golden,
              flavor: settings.flavor,
              network: settings.network,
              keyName: names.key,
              securityGroups: ['default'],
              servicePort: settings.servicePort,
            },
          },
          scaling: {
            thresholdRequests: 10,
            maxInstances: 2,
            bootTimeoutMs: BOOT_TIMEOUT_MS,
            statusPollInitialMs: 250,
          },
          health: { intervalMs: 250, readinessTimeoutMs: 60_000 },
        },
        cloudVariables(),
      );
      const { proxy, admin } = await controller.addresses(60_000);
      await controller.waitForLog(
        { ...LOGGED.originalAdmitted, instanceName: names.original },
        60_000,
      );
      const originalHostPort = `${originalAddress}:${settings.servicePort}`;

      const started = Date.now();
      const responses = await runSeedLoadLoop({
        host: proxy.host,
        port: proxy.port,
        pauseMs: 250,
        maxRequests: 800,
        maxDurationMs: 3 * 60_000,
        until: (seen) =>
          seen.filter((r) => r.status === 200 && r.instanceAddress !== originalHostPort).length >=
          5,
      });
      const summary = responses
        .map((r) => `${r.n}:${r.status}:${r.instanceAddress ?? r.retryAfter ?? ''}`)
        .join(' ');
      progress(
        `load loop: ${responses.length} requests in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );

      // Only 200 and 503, ever; 1-9 from service-vm-1.
      expect(responses.filter((r) => r.status !== 200 && r.status !== 503)).toEqual([]);
      expect(responses.slice(0, 9).map((r) => [r.status, r.instanceAddress])).toEqual(
        Array(9).fill([200, originalHostPort]),
      );
      // Request 10 starts the scale-out: 503 + Retry-After until the new server is admitted.
      const firstFromClone = responses.findIndex(
        (r) => r.status === 200 && r.instanceAddress !== originalHostPort,
      );
      if (firstFromClone < 0) throw new Error(`traffic never switched: ${summary}`);
      expect(firstFromClone).toBeGreaterThan(9);
      const scalingWindow = responses.slice(9, firstFromClone);
      expect(scalingWindow.length).toBeGreaterThanOrEqual(1);
      for (const r of scalingWindow)
        expect(r).toMatchObject({ status: 503, retryAfter: expect.stringMatching(/^\d+$/) });
      // Then everything comes from one new address, the new server's Neutron address.
      const cloneHostPort = responses[firstFromClone].instanceAddress ?? '';
      assertLoopback(hostOf(cloneHostPort), 'X-Instance-Address of the new server');
      expect(
        responses
          .slice(firstFromClone)
          .every((r) => r.status === 200 && r.instanceAddress === cloneHostPort),
      ).toBe(true);
      expect(responses[firstFromClone].body).toMatch(/^hello 1 from /);

      // Nova: exactly one new server, from the golden image, with the controller's group metadata,
      // ACTIVE, and its address on the network is the one the traffic now reaches.
      // Every server the controller ever made, including any it already deleted again (seed:
      // one scale-out, at most 2 instances).
      const everCreated = await client.compute.servers
        .list({ name: `^${names.autoPrefix}`, changesSince: scenarioStart })
        .toArray();
      expect(everCreated.map((s) => `${s.name} ${s.status}`)).toEqual([
        expect.stringMatching(/ ACTIVE$/),
      ]);
      const created = await client.compute.servers.list({ name: `^${names.autoPrefix}` }).toArray();
      expect(created).toHaveLength(1);
      const [clone] = created;
      expect(clone).toMatchObject({
        status: 'ACTIVE',
        imageId: goldenImageId,
        keyName: names.key,
        metadata: { 'osa:group': tag, 'osa:reason': 'scale-out' },
        name: expect.stringMatching(new RegExp(`^${names.autoPrefix}`)),
      });
      expect(
        `${extractAddress(clone, { networkName: settings.network })}:${settings.servicePort}`,
      ).toBe(cloneHostPort);
      expect(cloneHostPort).not.toBe(originalHostPort);

      const status = await getJson<StatusView>(admin.host, admin.port, '/status');
      expect(status.mode.provider).toBe('openstack');
      expect(status.activeBackend).toMatchObject({ name: clone.name, address: cloneHostPort });
      expect(status.gate.open).toBe(true);
      expect(status.instances.map((i) => [i.id, i.role, i.state, i.serving])).toEqual([
        [original.id, 'original', 'admitted', false],
        [clone.id, 'clone', 'admitted', true],
      ]);
      expect(status.lastScaleEvent).toMatchObject({
        state: 'admitted',
        instanceId: clone.id,
        instanceName: clone.name,
      });
      expect(Object.keys(status.lastScaleEvent?.phaseDurationsMs ?? {})).toEqual([
        'creating',
        'booting',
        'addressing',
        'health-checking',
      ]);
      progress(
        `scale-out phases (ms): ${JSON.stringify(status.lastScaleEvent?.phaseDurationsMs)}; 503 window: ${scalingWindow.length} requests`,
      );

      // The controller stops cleanly and leaves the cloud's servers alone (the suite deletes them).
      expect(await controller.stop()).toEqual({ code: 0, signal: null });
      expect((await client.compute.servers.get(clone.id)).status).toBe('ACTIVE');
    });
  },
);
