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
 *
 * Then restart safety on the real Nova (the fake's e2e twin: e2e/warm-pool-restart-openstack.spec.ts):
 * the controller is SIGKILLed while a fill powers off (os-stop accepted, `osa:state=warming`) and
 * after a scale-out marked the warm server `starting` and sent os-start; each restart deletes the
 * half-made fill, and finishes the start (ACTIVE) or rolls it back to warm (still SHUTOFF), whichever
 * Nova's state calls for; `openstack server list` shows exactly the expected servers each time.
 * Skips without OS_CLOUD; the golden image is a snapshot of a server that ran the bake's user data.
 */
import { extractAddress, OpenStackClient, type Server } from '@osa/openstack-client';
import { ControllerProcess } from '../e2e/support/controller-process';
import { getJson, httpGet } from '../e2e/support/http-get';
import { ownLoopbackPrefix } from '../e2e/support/loopback';
import { postJson } from '../e2e/support/admin-client';
import { ServiceInstance } from '../e2e/support/service-instance';
import {
  AcceptanceCleanup,
  ACCEPTANCE_SETTINGS,
  assertLoopback,
  bootBakedServer,
  cloudVariables,
  deleteImagesNamed,
  deleteServersListed,
  describeWithCloud,
  findAcceptanceResources,
  hostOf,
  openstackServerList,
  runTag,
  snapshotStopped,
} from './devcloud-seed-support';

const settings = ACCEPTANCE_SETTINGS;
const BOOT_TIMEOUT_MS = 150_000;

interface StatusView {
  instances: Array<{ id: string; name: string; state: string; health: string; ip: string | null }>;
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

type Address = { host: string; port: number };

/** `/status` of the controller at `admin`, and a wait for a view `accept` takes (progress line every 10 s). */
function statusOf(admin: Address): {
  status: () => Promise<StatusView>;
  waitFor: (
    what: string,
    accept: (view: StatusView) => boolean,
    timeoutMs: number,
  ) => Promise<StatusView>;
} {
  const status = (): Promise<StatusView> => getJson<StatusView>(admin.host, admin.port, '/status');
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
  return { status, waitFor };
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
      killGroup: `${tag}-kill`,
      killPrefix: `${tag}-kill-auto-`,
    };
    const cleanup = new AcceptanceCleanup();
    /** One loopback /24 for both tests: the original (a local service at .1) outlives the first test's controller. */
    const prefix = ownLoopbackPrefix();
    let client: OpenStackClient;
    let controller: ControllerProcess | undefined;
    /** The kill -9 test's controllers (each killed one, and the last). */
    const killed: ControllerProcess[] = [];
    let original: ServiceInstance | undefined;
    let goldenImageId: string;

    const deleteServers = (filter: { exactName?: string; name?: string }): Promise<void> =>
      deleteServersListed(client, filter);

    /** The built controller on this run's golden image, its original a local service at PREFIX.1, a warm pool of one. */
    function startController(
      group: { group: string; namePrefix: string },
      scaling: Record<string, unknown> = {},
    ): ControllerProcess {
      return ControllerProcess.start(
        {
          proxy: { listenHost: `${prefix}.200`, listenPort: 0 },
          admin: { listenHost: `${prefix}.201`, listenPort: 0 },
          provider: {
            kind: 'openstack',
            ...group,
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
            ...scaling,
          },
          health: { intervalMs: 250, readinessTimeoutMs: 60_000 },
        },
        cloudVariables(),
      );
    }

    beforeAll(async () => {
      client = OpenStackClient.fromEnvironment({ overrides: { timeoutMs: 30_000 } });
      const resources = await findAcceptanceResources(client);
      cleanup.add(`delete key pair ${names.key}`, () => client.compute.keypairs.delete(names.key));
      cleanup.add(`delete images ${names.golden}`, () => deleteImagesNamed(client, names.golden));
      cleanup.add(`delete server ${names.base}`, () => deleteServers({ exactName: names.base }));
      cleanup.add(`delete servers ${names.autoPrefix}*`, () =>
        deleteServers({ name: `^${names.autoPrefix}` }),
      );
      cleanup.add(`delete servers ${names.killPrefix}*`, () =>
        deleteServers({ name: `^${names.killPrefix}` }),
      );

      await client.compute.keypairs.create(names.key);
      // The golden image: a server that ran the bake's user data (the service enabled on its disk), snapshotted stopped.
      const { server: base } = await bootBakedServer(client, resources, {
        name: names.base,
        bootTimeoutMs: BOOT_TIMEOUT_MS,
        healthTimeoutMs: 60_000,
      });
      goldenImageId = await snapshotStopped(client, base.id, names.golden);
      await deleteServers({ exactName: names.base });
      progress(`golden image ${names.golden} ${goldenImageId}`);
    });

    afterAll(async () => {
      try {
        for (const each of killed) await each.stop();
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
      // The original is a local service (provider.openstack.originalUrl): only the scale-outs are Nova servers.
      original = await ServiceInstance.start(`${prefix}.1`, settings.servicePort);
      controller = startController({ group: tag, namePrefix: names.autoPrefix });
      const { proxy, admin } = await controller.addresses(60_000);
      const { status, waitFor } = statusOf(admin);
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
      // Which is faster is a figure (printed above), not an assertion: the phases below say what
      // differs (a warm scale-out powers on a stopped server instead of booting a new one).
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
      const listed = openstackServerList(names.autoPrefix);
      if (listed) expect(listed).toEqual(expected);
      const now = await client.compute.servers.list({ name: `^${names.autoPrefix}` }).toArray();
      expect(now.map((server) => [server.id, server.status]).sort()).toEqual(expected);
    });

    it('kill -9 while a fill powers off, and after a scale-out marked a warm server starting and sent os-start: the restart rolls back or finishes, and Nova lists exactly the expected servers', async () => {
      // The first test's controller and servers are done with: the devcloud's capacity is for this one.
      await controller?.stop();
      await deleteServers({ name: `^${names.autoPrefix}` });
      original ??= await ServiceInstance.start(`${prefix}.1`, settings.servicePort);
      const group = { group: names.killGroup, namePrefix: names.killPrefix };
      // Status polls at least 1.5 s apart: the fill sees SHUTOFF (and marks the server warm) well after Nova shows the
      // os-stop under way, so the kill lands between the two.
      const start = (): ControllerProcess => {
        controller = startController(group, {
          maxInstances: 2,
          statusPollInitialMs: 1_500,
          fastAdmission: { firstStatusPollMs: 1_500 },
        });
        killed.push(controller);
        return controller;
      };
      const nova = (id: string): Promise<Server | undefined> => client.compute.servers.find(id);
      const groupServers = async (): Promise<Server[]> =>
        client.compute.servers.list({ name: `^${names.killPrefix}` }).toArray();
      async function kill(victim: ControllerProcess): Promise<void> {
        victim.signal('SIGKILL');
        expect(await victim.exited).toEqual({ code: null, signal: 'SIGKILL' });
      }
      /** Polls Nova (bounded) until `accept` takes the server; returns what was seen last. */
      async function novaUntil(
        what: string,
        id: string,
        accept: (server: Server | undefined) => boolean,
        timeoutMs: number,
      ): Promise<Server | undefined> {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const server = await nova(id);
          if (accept(server)) return server;
          if (Date.now() > deadline)
            throw new Error(
              `timed out waiting for ${what}: ${server ? `${server.status}/${server.taskState ?? '-'} ${JSON.stringify(server.metadata)}` : 'gone'}`,
            );
          await new Promise((resolve) => setTimeout(resolve, 30));
        }
      }
      /** Nova (client and CLI) lists exactly `expected` ([id, status] pairs) for the group. */
      async function expectNovaLists(expected: Array<[string, string]>): Promise<void> {
        const sorted = [...expected].sort();
        expect((await groupServers()).map((server) => [server.id, server.status]).sort()).toEqual(
          sorted,
        );
        const listed = openstackServerList(names.killPrefix);
        if (listed) expect(listed).toEqual(sorted);
      }

      // 1. Killed while the first fill powers off (osa:state=warming, os-stop accepted by Nova).
      const first = start();
      const [, fillName, fillId] = await first.waitForLine(
        /instance phase change event=warm-fill sequence=\d+ instanceName=(\S+) instanceId=([\w-]+) previousPhase=health-checking phase=powering-off/,
        BOOT_TIMEOUT_MS + 60_000,
      );
      const stopping = await novaUntil(
        'Nova to accept the os-stop of the fill',
        fillId,
        (server) => server?.taskState === 'powering-off' || server?.status === 'SHUTOFF',
        30_000,
      );
      await kill(first);
      const atKill = await nova(fillId);
      progress(
        `killed the fill ${fillName} while powering off: Nova ${stopping?.status}/${stopping?.taskState ?? '-'} when the kill was sent, ${atKill?.status}/${atKill?.taskState ?? '-'} osa:state=${atKill?.metadata['osa:state']} after it`,
      );
      expect(atKill?.metadata['osa:state']).toBe('warming');
      expect((await groupServers()).map((server) => server.id)).toEqual([fillId]);

      const second = start();
      await second.waitForLine(
        new RegExp(
          `restart recovery: ${fillName} \\(${fillId}, .*a warm-pool fill was interrupted`,
        ),
        60_000,
      );
      const secondStatus = statusOf((await second.addresses(60_000)).admin);
      const refilled = await secondStatus.waitFor(
        'a new warm server after the interrupted fill',
        (view) =>
          view.warmPool.warm === 1 &&
          view.warmPool.filling === 0 &&
          view.scaling.inProgress.length === 0,
        BOOT_TIMEOUT_MS + 60_000,
      );
      const [warm] = refilled.warmPool.members;
      expect(warm.id).not.toBe(fillId);
      await novaUntil(
        'the interrupted fill deleted',
        fillId,
        (server) => server === undefined || server.status === 'DELETED',
        90_000,
      );
      await expectNovaLists([[warm.id, 'SHUTOFF']]);
      expect((await nova(warm.id))?.metadata['osa:state']).toBe('warm');

      // 2. Killed after a scale-out took the warm server: `osa:state=starting` is in Nova, os-start sent with it.
      const { admin } = await second.addresses();
      expect(
        (await postJson(admin.host, admin.port, '/scaling/desired', { instances: 2 })).status,
      ).toBe(202);
      await novaUntil(
        'the starting mark of the taken warm server',
        warm.id,
        (server) => server?.metadata['osa:state'] === 'starting',
        30_000,
      );
      await kill(second);
      const taken = await nova(warm.id);
      progress(
        `killed the scale-out after the starting mark: Nova ${taken?.status}/${taken?.taskState ?? '-'} osa:state=${taken?.metadata['osa:state']}`,
      );
      expect((await groupServers()).map((server) => server.id)).toEqual([warm.id]);

      const third = start();
      const [, verdict] = await third.waitForLine(
        new RegExp(
          `restart recovery: \\S+ \\(${warm.id}, .*?\\) (was being started when the controller stopped: rolled back to warm|was started from the warm pool: finished)`,
        ),
        60_000,
      );
      const thirdStatus = statusOf((await third.addresses(60_000)).admin);
      const finished = verdict.startsWith('was started');
      progress(`the restart ${finished ? 'finished the start' : 'rolled the start back to warm'}`);
      const settled = await thirdStatus.waitFor(
        finished
          ? 'the started server in service and the pool refilled'
          : 'the server back in the pool',
        (view) =>
          view.warmPool.warm === 1 &&
          view.warmPool.filling === 0 &&
          view.scaling.inProgress.length === 0 &&
          view.instances.filter(
            (instance) => instance.state === 'admitted' && instance.health === 'healthy',
          ).length === (finished ? 2 : 1),
        BOOT_TIMEOUT_MS + 60_000,
      );
      const inService = settled.instances.map((instance) => instance.id);
      if (finished) {
        // Finished: the taken server serves (marked in-service), a new one is warm. No double, no leak.
        expect(inService).toContain(warm.id);
        const [refill] = settled.warmPool.members;
        expect(refill.id).not.toBe(warm.id);
        await novaUntil(
          'the refill stopped',
          refill.id,
          (server) => server?.status === 'SHUTOFF',
          60_000,
        );
        await expectNovaLists([
          [warm.id, 'ACTIVE'],
          [refill.id, 'SHUTOFF'],
        ]);
        expect((await nova(warm.id))?.metadata['osa:state']).toBe('in-service');
      } else {
        // Rolled back: the same server is warm again (stopped again if the os-start took effect afterwards).
        expect(inService).not.toContain(warm.id);
        expect(settled.warmPool.members.map((member) => member.id)).toEqual([warm.id]);
        await novaUntil(
          'the rolled-back server stopped and warm',
          warm.id,
          (server) =>
            server?.status === 'SHUTOFF' &&
            server.metadata['osa:state'] === 'warm' &&
            !server.taskState,
          90_000,
        );
        await expectNovaLists([[warm.id, 'SHUTOFF']]);
      }
    });
  },
);
