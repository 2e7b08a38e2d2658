/**
 * Acceptance: the built controller with `provider.kind: openstack` and `dataPlane.kind: octavia`
 * on the devcloud (real Nova, Glance, Neutron and the real Octavia API). The controller creates
 * the load balancer (osa-acc-<hex>-lb) itself and clients go through its VIP:
 *
 *   service-vm-1 + service-golden as in the seed suite -> the controller (threshold 10, which
 *   Octavia's statistics make a connection count) puts service-vm-1 in the pool -> sequential
 *   requests through http://<VIP>:8000/work are answered by service-vm-1 -> the threshold makes
 *   the controller create a clone through Nova -> once it passed readiness it enters the pool
 *   and answers; with the default `whileScaling: keep-serving` no request fails meanwhile.
 *
 * At each step the real `openstack loadbalancer member list` shows exactly the ready instances as
 * members taking traffic (weight > 0). Everything named osa-acc-<hex>-... is deleted at the end.
 */
import { extractAddress, OpenStackClient, type Server } from '@osa/openstack-client';
import { ControllerProcess } from '../e2e/support/controller-process';
import { getJson, httpGet } from '../e2e/support/http-get';
import { ownLoopbackPrefix } from '../e2e/support/loopback';
import {
  ACCEPTANCE_SETTINGS,
  AcceptanceCleanup,
  assertLoopback,
  type CliMember,
  cliMembers,
  cloudVariables,
  describeWithCloud,
  setUpOctaviaSeed,
  readyAddresses,
  runTag,
  seedNames,
  seedOpenstackProvider,
  servingAddresses,
  waitForCliMembers,
  type AcceptanceStatus,
} from './devcloud-seed-support';

const settings = ACCEPTANCE_SETTINGS;
const BOOT_TIMEOUT_MS = 120_000;
const LISTENER_PORT = 8000;

type StatusView = AcceptanceStatus;

interface Answer {
  atMs: number;
  status: number;
  instance: string;
}

function progress(message: string): void {
  process.stderr.write(`[acceptance] ${message}\n`);
}

describeWithCloud(
  'controller acceptance: the seed scenario through an Octavia VIP (dataPlane.kind octavia, real cloud)',
  () => {
    jest.setTimeout(6 * 60_000);
    const tag = runTag();
    const names = { ...seedNames(tag), lb: `${tag}-lb` };
    const cleanup = new AcceptanceCleanup();
    let client: OpenStackClient;
    let skipReason: string | undefined;
    let controller: ControllerProcess | undefined;
    let original: Server;
    let originalAddress: string;
    let subnetId: string;
    const figures: Record<string, number | string> = {};

    beforeAll(async () => {
      client = OpenStackClient.fromEnvironment({ overrides: { timeoutMs: 30_000 } });
      const seed = await setUpOctaviaSeed(client, cleanup, names, BOOT_TIMEOUT_MS);
      if (seed.skipReason !== undefined) {
        skipReason = seed.skipReason;
        progress(`SKIPPED octavia controller suite: ${skipReason}`);
        return;
      }
      ({ subnetId, original, originalAddress } = seed);
    });

    afterAll(async () => {
      let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
      try {
        if (controller) {
          exit = await controller.stop();
          progress(`controller (pid ${controller.pid}) stopped: ${JSON.stringify(exit)}`);
          if (process.env['OSA_ACC_SHOW_CONTROLLER_LOG'] !== '0')
            progress(`controller log (last 60 lines):\n${controller.lines.slice(-60).join('\n')}`);
        }
        await cleanup.runAll();
        if (!skipReason) {
          expect(
            await client.loadBalancer.loadBalancers.list({ name: names.lb }).toArray(),
          ).toEqual([]);
          expect(await client.compute.servers.list({ name: `^${tag}` }).toArray()).toEqual([]);
          expect(await client.image.images.list({ name: names.golden }).toArray()).toEqual([]);
          progress(`figures: ${JSON.stringify(figures)}`);
        }
        // Stopped by its PID with SIGTERM: an orderly exit that leaves the load balancer to the cleanup.
        if (controller) expect(exit).toEqual({ code: 0, signal: null });
      } finally {
        client.close();
      }
    });

    const serving = servingAddresses;
    const waitForMembers = waitForCliMembers;

    it('serves from service-vm-1 through the VIP, creates a clone at the threshold, adds it to the pool once ready, with no non-2xx during the switch', async () => {
      if (skipReason) return;
      const prefix = ownLoopbackPrefix();
      const startedAt = Date.now();
      controller = ControllerProcess.start(
        {
          proxy: { listenHost: `${prefix}.200`, listenPort: 0 },
          admin: { listenHost: `${prefix}.201`, listenPort: 0 },
          provider: seedOpenstackProvider(tag, names),
          dataPlane: {
            kind: 'octavia',
            octavia: {
              loadBalancerName: names.lb,
              vipSubnet: subnetId,
              listenerPort: LISTENER_PORT,
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
      progress(`controller pid ${controller.pid}`);
      const adminMatch = await controller.waitForLine(
        /admin listener on http:\/\/([\d.]+):(\d+)/,
        120_000,
      );
      const admin = { host: adminMatch[1], port: Number(adminMatch[2]) };
      const [lb] = await client.loadBalancer.loadBalancers.list({ name: names.lb }).toArray();
      expect(lb).toBeDefined();
      expect(lb.vipSubnetId).toBe(subnetId);
      assertLoopback(lb.vipAddress, 'VIP');
      const [pool] = await client.loadBalancer.pools.list({ loadBalancerId: lb.id }).toArray();
      expect(pool).toBeDefined();
      figures.loadBalancerCreatedMs = Date.now() - startedAt;

      // Step 1: service-vm-1 is admitted and is the only member.
      await controller.waitForLine(
        new RegExp(`original admitted: ready for traffic .*instanceName=${names.original}\\b`),
        60_000,
      );
      const step1 = await waitForMembers(pool.id, 'service-vm-1 alone', (m) => m.length === 1);
      expect(step1).toEqual([
        { address: originalAddress, weight: expect.any(Number), name: `osa:${original.id}` },
      ]);
      expect(serving(step1)).toEqual(await readyAddresses(admin));
      expect(serving(step1)).toEqual([originalAddress]);
      const originalHostPort = `${originalAddress}:${settings.servicePort}`;
      progress(`step 1: VIP ${lb.vipAddress}:${LISTENER_PORT}, members ${JSON.stringify(step1)}`);

      // Step 2: sequential requests through the VIP (a fresh connection each, so connections = requests).
      const answers: Answer[] = [];
      const failures: string[] = [];
      let cloneSeenWhileBooting: { members: CliMember[]; ready: string[] } | undefined;
      const loopDeadline = Date.now() + 3 * 60_000;
      for (let n = 0; n < 1_000 && Date.now() < loopDeadline; n++) {
        try {
          const reply = await httpGet(lb.vipAddress, LISTENER_PORT, '/work', 30_000);
          answers.push({
            atMs: Date.now(),
            status: reply.status,
            instance: String(reply.headers['x-instance-address'] ?? ''),
          });
        } catch (error) {
          failures.push((error as Error).message);
        }
        if (answers.filter((a) => a.status === 200 && a.instance !== originalHostPort).length >= 5)
          break;
        // Once the clone exists but is not ready, the pool must not have it (checked once, through
        // the API: the CLI takes seconds, longer than a clone on the devcloud may stay unready).
        if (!cloneSeenWhileBooting) {
          const status = await getJson<StatusView>(admin.host, admin.port, '/status');
          const clone = status.instances.find((i) => i.role === 'clone');
          if (clone && clone.state !== 'admitted') {
            const members = (await client.loadBalancer.members.list(pool.id).toArray()).map(
              (m) => ({ address: m.address, weight: m.weight, name: m.name }),
            );
            const ready = await readyAddresses(admin);
            // Only meaningful if the clone was still not ready after the list answered.
            if (!ready.some((a) => a !== originalAddress))
              cloneSeenWhileBooting = { members, ready };
          }
        }
        await new Promise((r) => setTimeout(r, 250));
      }
      const summary = answers.map((a) => `${a.status}:${a.instance}`).join(' ');
      const firstFromClone = answers.findIndex(
        (a) => a.status === 200 && a.instance !== originalHostPort,
      );
      if (firstFromClone < 0)
        throw new Error(
          `traffic never reached a clone (failures: ${failures.slice(0, 3).join(' | ')}): ${summary}`,
        );
      figures.requests = answers.length + failures.length;
      figures.requestsBeforeClone = firstFromClone;
      figures.nonOk =
        answers.filter((a) => a.status < 200 || a.status > 299).length + failures.length;
      figures.statuses = [...new Set(answers.map((a) => a.status))].join(',');
      progress(
        `step 2: ${figures.requests} requests, first from the clone at #${firstFromClone + 1}, non-2xx ${figures.nonOk}`,
      );

      // service-vm-1 answered first; while the clone booted the pool held service-vm-1 only.
      expect(answers.slice(0, 10).map((a) => [a.status, a.instance])).toEqual(
        Array(10).fill([200, originalHostPort]),
      );
      expect(cloneSeenWhileBooting).toBeDefined();
      expect(serving(cloneSeenWhileBooting?.members ?? [])).toEqual([originalAddress]);
      // The docs' promise for the default whileScaling keep-serving: no error during a scale-out.
      expect(failures).toEqual([]);
      expect(figures.nonOk).toBe(0);

      // Step 3: Nova has exactly one clone, and the members taking traffic are exactly the ready instances.
      const created = await client.compute.servers.list({ name: `^${names.autoPrefix}` }).toArray();
      expect(created.map((s) => s.status)).toEqual(['ACTIVE']);
      const cloneAddress = extractAddress(created[0], { networkName: settings.network });
      expect(answers[firstFromClone].instance).toBe(`${cloneAddress}:${settings.servicePort}`);
      const ready = await readyAddresses(admin);
      const step3 = cliMembers(pool.id);
      expect(serving(step3)).toEqual(ready);
      expect(ready).toContain(cloneAddress);
      expect(step3.find((m) => m.address === cloneAddress)?.name).toBe(`osa:${created[0].id}`);
      figures.membersAfter = JSON.stringify(step3.map((m) => `${m.address}/${m.weight}`));
      progress(`step 3: members ${JSON.stringify(step3)}, ready ${JSON.stringify(ready)}`);
    });
  },
);
