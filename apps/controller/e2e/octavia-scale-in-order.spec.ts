import { CallRecord, FakeOpenStack } from '@osa/openstack-testkit';
import { postJson, scaleToHealthy, waitForStatus } from './support/admin-client';
import { ControllerProcess } from './support/controller-process';
import { SeedFakeCloud } from './support/seed-fake-cloud';

const DRAIN_GRACE_MS = 1_500;

/** The member batch updates (PUT .../pools/{id}/members) as the fake received them, in order. */
function memberSets(
  cloud: FakeOpenStack,
): Array<{ call: CallRecord; weights: Map<string, number> }> {
  return cloud.callsTo('load-balancer', 'PUT', /\/pools\/[^/]+\/members$/).map((call) => {
    const members = (call.body as { members: Array<{ address: string; weight?: number }> }).members;
    return { call, weights: new Map(members.map((m) => [m.address, m.weight ?? 1])) };
  });
}

/**
 * `dataPlane.kind: octavia` scale-in, the built controller against the fake OpenStack: the server
 * is deleted only after Octavia has the member at weight 0 and `drainGraceMs` has passed since
 * that change went ACTIVE, never while the load balancer may still send to it. (A devcloud run
 * once deleted the clone 0.12 s into its scale-in, before the weight 0 was even sent: the removal
 * read the last statistics' in-flight zero, which predated the drain.)
 */
describe('octavia data plane: a scale-in deletes the server only after its member drained', () => {
  jest.setTimeout(90_000);
  let world: SeedFakeCloud | undefined;
  let controller: ControllerProcess | undefined;

  afterEach(async () => {
    await controller?.stop();
    await world?.stop();
    controller = world = undefined;
  });

  it('weight 0 first, the DELETE no sooner than drainGraceMs after it, then the member removed', async () => {
    world = await SeedFakeCloud.start();
    const { prefix, cloud, env } = world;
    cloud.setServerBehaviour(
      { address: () => `${prefix}.2`, bootDelayMs: 300 },
      { namePrefix: 'service-auto-' },
    );
    controller = ControllerProcess.start(
      {
        proxy: { listenHost: `${prefix}.200`, listenPort: 0 },
        admin: { listenHost: `${prefix}.201`, listenPort: 0 },
        provider: { kind: 'openstack' },
        dataPlane: {
          kind: 'octavia',
          octavia: {
            loadBalancerName: 'order-lb',
            vipSubnet: 'test-subnet',
            statsIntervalMs: 300,
            drainGraceMs: DRAIN_GRACE_MS,
          },
        },
        traffic: { mode: 'pool' },
        scaling: {
          policies: [],
          maxInstances: 2,
          statusPollInitialMs: 100,
          statusPollMaxMs: 200,
        },
        health: { intervalMs: 100, readinessTimeoutMs: 5_000 },
      },
      env,
    );
    const match = await controller.waitForLine(/admin listener on http:\/\/([\d.]+):(\d+)/, 20_000);
    const admin = { host: match[1], port: Number(match[2]) };
    const running = controller;
    const two = await scaleToHealthy(admin, 2, () => running.output);
    await controller.waitForLine(/data plane members: ready \S+, \S+ \|/, 20_000);
    const clone = two.instances.find((instance) => instance.role === 'clone');
    if (!clone) throw new Error(`no clone: ${JSON.stringify(two.instances)}`);
    const cloneAddress = `${prefix}.2`;

    expect(
      (await postJson(admin.host, admin.port, '/scaling/desired', { instances: 1 })).status,
    ).toBe(202);
    await waitForStatus(
      admin,
      'the clone removed',
      (s) =>
        s.scaling.events.some((event) => event.kind === 'scale-in' && event.state === 'removed'),
      30_000,
      () => running.output,
    );
    // The member leaves Octavia a few calls after /status shows the instance removed.
    const drainedIn = (sets: ReturnType<typeof memberSets>): number =>
      sets.findIndex((set) => set.weights.get(cloneAddress) === 0);
    const removedIn = (sets: ReturnType<typeof memberSets>): number =>
      sets.findIndex((set, i) => i > drainedIn(sets) && !set.weights.has(cloneAddress));
    const deadline = Date.now() + 20_000;
    while (drainedIn(memberSets(cloud)) >= 0 && removedIn(memberSets(cloud)) < 0) {
      if (Date.now() > deadline)
        throw new Error(`the drained member was not removed in 20 s:\n${running.output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    const deletes = cloud.callsTo('compute', 'DELETE', new RegExp(`/servers/${clone.id}$`));
    expect(deletes).toHaveLength(1);
    const sets = memberSets(cloud);
    const drained = drainedIn(sets);
    expect(drained).toBeGreaterThanOrEqual(0);
    const removed = removedIn(sets);
    // The weight 0 reached Octavia before the DELETE reached Nova, at least drainGraceMs before it.
    const deleteAt = deletes[0].at.getTime();
    expect(deleteAt - sets[drained].call.at.getTime()).toBeGreaterThanOrEqual(DRAIN_GRACE_MS);
    // The member leaves the pool once the instance is gone, never before its weight 0.
    expect(removed).toBeGreaterThan(drained);
  });
});
