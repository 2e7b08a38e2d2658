/**
 * Acceptance: `dataPlane.kind: octavia` on the devcloud's real Octavia. The Octavia data plane
 * (data-plane/octavia) is driven through the data-plane seam exactly as the control plane drives
 * it (the whole member set after each readiness / scale / drain decision), with real Nova servers
 * running the baked service, and clients going through the load balancer's VIP:
 *
 *   1. seed: service-vm-1 alone behind the VIP;
 *   2. scale-out, switch semantics (whileScaling keep-serving): clients keep getting vm-1 while
 *      vm-2 boots; once vm-2 passes the controller's readiness check it takes the traffic (time
 *      from readiness to its first request through the VIP measured); no non-2xx;
 *   3. drained scale-in under load, pool mode: vm-2 weight 0, in-flight as far as the statistics
 *      show, then removed (drain start -> member removal measured); no non-2xx;
 *   4. restart reconciliation: a new data plane (a restarted controller) adopts the load balancer
 *      by name; the member of a deleted server goes, a ready server missing from the pool comes,
 *      a member added by hand is left alone.
 * After each step the real `openstack loadbalancer member list` shows exactly the ready
 * instances. Everything is named osa-acc-<hex>-... and deleted at the end.
 */
import { extractAddress, OpenStackClient, type Server } from '@osa/openstack-client';
import { SystemClock } from '../src/clock/clock';
import { OctaviaDataPlaneConfig } from '../src/config/octavia-data-plane.config';
import { OctaviaDataPlane } from '../src/data-plane/octavia/octavia-data-plane';
import type { DataPlaneMember, MemberState } from '../src/seams/data-plane';
import { httpGet } from '../e2e/support/http-get';
import { VipLoad } from './vip-load';
import {
  ACCEPTANCE_SETTINGS,
  AcceptanceCleanup,
  assertLoopback,
  bakeUserData,
  cliMembers as cliMembersOf,
  deleteLoadBalancersNamed,
  describeWithCloud,
  findSeedCloud,
  octaviaSkipReason,
  runTag,
} from './devcloud-seed-support';

const settings = ACCEPTANCE_SETTINGS;

function progress(message: string): void {
  process.stderr.write(`[acceptance] ${message}\n`);
}

interface Vm {
  server: Server;
  address: string;
}

describeWithCloud(
  'controller acceptance: dataPlane.kind octavia on the real Octavia (real cloud)',
  () => {
    jest.setTimeout(5 * 60_000);
    const tag = runTag();
    const lbName = `${tag}-lb`;
    const cleanup = new AcceptanceCleanup();
    let client: OpenStackClient;
    let skipReason: string | undefined;
    let imageId: string;
    let flavorId: string;
    let networkId: string;
    let subnetId: string;
    let dataPlane: OctaviaDataPlane;
    const vms: Record<string, Vm> = {};
    const figures: Record<string, number> = {};

    function newDataPlane(): OctaviaDataPlane {
      const config = Object.assign(new OctaviaDataPlaneConfig(), {
        loadBalancerName: lbName,
        vipSubnet: subnetId,
        listenerPort: 8000,
        drainGraceMs: 5_000,
        statsIntervalMs: 1_000,
        changeTimeoutMs: 60_000,
      });
      return new OctaviaDataPlane({ config, client, clock: new SystemClock() });
    }

    const member = (vm: Vm, state: MemberState): DataPlaneMember => ({
      backend: { id: vm.server.id, host: vm.address, port: settings.servicePort },
      state,
      weight: 100,
    });

    /** `openstack loadbalancer member list` (the real CLI) of our pool. */
    const cliMembers = () => cliMembersOf(dataPlane.ids.poolId);

    const ours = <T extends { name: string }>(rows: T[]): T[] =>
      rows.filter((r) => r.name.startsWith('osa:'));

    async function boot(name: string, withService: boolean): Promise<Vm> {
      const ref = await client.compute.servers.create({
        name: `${tag}-${name}`,
        imageId,
        flavorId,
        networks: [{ uuid: networkId }],
        ...(withService ? { userData: bakeUserData(settings.servicePort) } : {}),
      });
      cleanup.add(`delete server ${ref.id}`, async () => {
        await client.compute.servers.delete(ref.id);
        await client.compute.servers.waitForDeleted(ref.id, { timeoutMs: 90_000 });
      });
      const server = await client.compute.servers.waitForStatus(ref.id, {
        target: 'ACTIVE',
        timeoutMs: 120_000,
      });
      const address = extractAddress(server, { networkName: settings.network });
      assertLoopback(address, `address of ${name}`);
      progress(`${name}: ${server.id} at ${address}`);
      return { server, address };
    }

    /** The controller's readiness check: /healthz answers 200 (one pass). */
    async function ready(vm: Vm): Promise<number> {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const status = await httpGet(vm.address, settings.servicePort, '/healthz', 3_000).then(
          (r) => r.status,
          () => 0,
        );
        if (status === 200) return Date.now();
        if (Date.now() > deadline)
          throw new Error(`${vm.address}:${settings.servicePort}/healthz not ready within 60 s`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }

    beforeAll(async () => {
      client = OpenStackClient.fromEnvironment({ overrides: { timeoutMs: 30_000 } });
      skipReason = await octaviaSkipReason(client);
      if (skipReason) {
        progress(`SKIPPED octavia data plane suite: ${skipReason}`);
        return;
      }
      const cloud = await findSeedCloud(client);
      imageId = cloud.imageId;
      flavorId = cloud.flavorId;
      networkId = cloud.networkId;
      subnetId = cloud.subnetId;
      // Registered before the load balancer exists: whatever is named so goes, with its VIP port.
      cleanup.add(`delete load balancer ${lbName}`, () => deleteLoadBalancersNamed(client, lbName));
    });

    afterAll(async () => {
      try {
        await dataPlane?.stop();
        await cleanup.runAll();
        if (!skipReason) {
          expect(await client.loadBalancer.loadBalancers.list({ name: lbName }).toArray()).toEqual(
            [],
          );
          expect(await client.compute.servers.list({ name: `^${tag}` }).toArray()).toEqual([]);
          progress(`figures: ${JSON.stringify(figures)}`);
        }
      } finally {
        client.close();
      }
    });

    it('seed scenario through the VIP, drained scale-in with 0 non-2xx, restart reconciliation', async () => {
      if (skipReason) return;
      // 1. seed: service-vm-1 behind the VIP.
      const startedAt = Date.now();
      [vms.one, vms.two] = await Promise.all([
        boot('service-vm-1', true),
        boot('service-auto-1', false),
      ]);
      // vm-2 stands for the scale-out's new server: it gets the service only when "booted" below.
      await ready(vms.one);
      dataPlane = newDataPlane();
      await dataPlane.start();
      figures.loadBalancerReadyMs = Date.now() - startedAt;
      const vip = dataPlane.vip;
      await dataPlane.applyMembers([member(vms.one, 'ready')]);
      const first = await httpGet(vip.address, vip.port, '/work', 5_000);
      expect(first.status).toBe(200);
      expect(first.headers['x-instance-address']).toBe(
        `${vms.one.address}:${settings.servicePort}`,
      );
      expect(cliMembers()).toEqual([
        { address: vms.one.address, weight: 100, name: `osa:${vms.one.server.id}` },
      ]);
      progress(`step 1: ${vip.address}:${vip.port} serves from service-vm-1`);

      // 2. scale-out in switch mode: the gate closes (keep-serving: vm-1 keeps the clients) ...
      const load = new VipLoad(vip.address, vip.port, 3);
      await dataPlane.setRejectWhileScaling({ retryAfterSeconds: 5, reason: 'scaling out' });
      vms.three = await boot('service-auto-2', true);
      const readyAt = await ready(vms.three);
      // ... the new server passed readiness: it becomes the member that serves, vm-1 is kept (maint).
      await dataPlane.applyMembers([member(vms.one, 'maint'), member(vms.three, 'ready')]);
      await dataPlane.setRejectWhileScaling(undefined);
      await new Promise((r) => setTimeout(r, 1_000));
      const firstViaVip = load.firstFrom(`${vms.three.address}:${settings.servicePort}`, readyAt);
      expect(firstViaVip).toBeDefined();
      figures.readinessToFirstRequestMs = (firstViaVip ?? 0) - readyAt;
      expect(load.nonOk()).toBe(0);
      expect(cliMembers()).toEqual(
        [
          { address: vms.one.address, weight: 0, name: `osa:${vms.one.server.id}` },
          { address: vms.three.address, weight: 100, name: `osa:${vms.three.server.id}` },
        ].sort((a, b) => a.address.localeCompare(b.address)),
      );
      progress(
        `step 2: service-auto-2 takes the traffic ${figures.readinessToFirstRequestMs} ms after its readiness check passed; ${load.answers.length} answers, 0 non-2xx`,
      );

      // 3. pool mode, then a drained scale-in of vm-3 under the same load.
      await dataPlane.applyMembers([member(vms.one, 'ready'), member(vms.three, 'ready')]);
      await new Promise((r) => setTimeout(r, 1_000));
      const drainStart = Date.now();
      await dataPlane.applyMembers([member(vms.one, 'ready'), member(vms.three, 'drain')]);
      const drainDeadline = Date.now() + 30_000;
      for (;;) {
        const counters = await dataPlane.readCounters();
        if ((counters.members.get(vms.three.server.id)?.inFlight ?? 0) === 0) break;
        if (Date.now() > drainDeadline) throw new Error('the drain did not end within 30 s');
        await new Promise((r) => setTimeout(r, 250));
      }
      figures.drainStartToDrainedMs = Date.now() - drainStart;
      progress(
        `step 3: drained after ${figures.drainStartToDrainedMs} ms: ${load.summary(drainStart)}`,
      );
      await dataPlane.applyMembers([member(vms.one, 'ready')]);
      figures.drainStartToMemberRemovalMs = Date.now() - drainStart;
      await new Promise((r) => setTimeout(r, 1_000));
      await load.stop();
      figures.answersUnderLoad = load.answers.length;
      if (load.nonOk() > 0) progress(`step 3 answers: ${load.summary()}`);
      expect(load.failures).toEqual([]);
      expect(load.nonOk()).toBe(0);
      expect(ours(cliMembers())).toEqual([
        { address: vms.one.address, weight: 100, name: `osa:${vms.one.server.id}` },
      ]);
      progress(
        `step 3: drained scale-in, member removed ${figures.drainStartToMemberRemovalMs} ms after the drain began; ${load.answers.length} answers, 0 non-2xx`,
      );

      // 4. restart: vm-2 (never ready, no service) got a member and its server is deleted while
      // the controller is down; vm-3 is ready but not in the pool; someone adds a member by hand.
      await client.loadBalancer.members.batchUpdate(dataPlane.ids.poolId, [
        {
          address: vms.one.address,
          protocolPort: settings.servicePort,
          name: `osa:${vms.one.server.id}`,
          weight: 100,
        },
        {
          address: vms.two.address,
          protocolPort: settings.servicePort,
          name: `osa:${vms.two.server.id}`,
          weight: 100,
        },
      ]);
      await client.loadBalancer.loadBalancers.waitForStatus(dataPlane.ids.loadBalancerId, {
        target: 'ACTIVE',
        timeoutMs: 60_000,
      });
      await dataPlane.stop();
      await client.compute.servers.delete(vms.two.server.id);
      await client.compute.servers.waitForDeleted(vms.two.server.id, { timeoutMs: 90_000 });
      const byHand = await client.loadBalancer.members.create(dataPlane.ids.poolId, {
        address: '127.77.20.1',
        protocolPort: 8080,
        name: `${tag}-by-hand`,
        weight: 0, // nothing listens there: it must never get a request
      });
      await client.loadBalancer.loadBalancers.waitForStatus(dataPlane.ids.loadBalancerId, {
        target: 'ACTIVE',
        timeoutMs: 60_000,
      });
      dataPlane = newDataPlane();
      await dataPlane.start();
      await dataPlane.applyMembers([]); // recovery has not admitted anything yet: nothing is removed
      expect(
        ours(cliMembers())
          .map((m) => m.address)
          .sort(),
      ).toEqual([vms.one.address, vms.two.address].sort());
      await dataPlane.applyMembers([member(vms.one, 'ready'), member(vms.three, 'ready')]);
      const after = cliMembers();
      expect(ours(after)).toEqual(
        [
          { address: vms.one.address, weight: 100, name: `osa:${vms.one.server.id}` },
          { address: vms.three.address, weight: 100, name: `osa:${vms.three.server.id}` },
        ].sort((a, b) => a.address.localeCompare(b.address)),
      );
      expect(after.find((m) => m.name === `${tag}-by-hand`)).toEqual({
        address: '127.77.20.1',
        weight: 0,
        name: `${tag}-by-hand`,
      });
      expect((await client.loadBalancer.members.get(dataPlane.ids.poolId, byHand.id)).id).toBe(
        byHand.id,
      );
      progress(
        "step 4: restart reconciled (deleted server's member removed, ready server added, the member added by hand untouched)",
      );
    });
  },
);
