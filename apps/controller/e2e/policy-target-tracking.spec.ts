import {
  healthyInstances,
  LifecycleStatus,
  readStatus,
  ScalingEventView,
  waitForStatus,
} from './support/admin-client';
import { InProcessController } from './support/in-process-controller';
import { ownLoopbackPrefix } from './support/loopback';
import { PacedLoad } from './support/paced-load';
import { ConcurrentClients } from './support/traffic-load';
import { localControllerConfig } from './support/local-controller-config';

/**
 * Target tracking on the local provider, in pool mode with `duringScaleOut: serve` (so every
 * request is answered): scale-out within an evaluation interval of the load crossing the target,
 * never above maxInstances, scale-in only after the load stayed low for the sustained window,
 * one step at a time, never below minInstances.
 */
describe('target-tracking policies', () => {
  jest.setTimeout(90_000);
  let controller: InProcessController | undefined;
  let load: PacedLoad | ConcurrentClients | undefined;

  afterEach(async () => {
    await load?.stop();
    await controller?.close();
    controller = load = undefined;
  });

  async function start(
    workDelayMs: number,
    scaling: Record<string, unknown>,
  ): Promise<InProcessController> {
    const prefix = ownLoopbackPrefix();
    controller = await InProcessController.start({
      ...localControllerConfig(prefix, {
        local: {
          bootDelayMs: 200,
          serviceEnv: { WORK_DELAY_MS: String(workDelayMs) },
          stopGraceMs: 2_000,
        },
      }),
      scaling: {
        traffic: 'pool',
        duringScaleOut: 'serve',
        minInstances: 1,
        maxInstances: 3,
        evaluationIntervalMs: 250,
        metricWindowMs: 2_000,
        scaleOutStep: 1,
        scaleInCooldownMs: 500,
        statusPollInitialMs: 100,
        statusPollMaxMs: 100,
        ...scaling,
      },
      health: { intervalMs: 100 },
    });
    await controller.originalAdmitted();
    return controller;
  }

  const log = (): string => controller?.logger.lines.join('\n') ?? '';
  const ofKind = (status: LifecycleStatus, kind: ScalingEventView['kind']): ScalingEventView[] =>
    status.scaling.events.filter((event) => event.kind === kind);

  it('requests-per-second: scales out step by step to what the target needs, rides out a short dip, scales in only after the sustained window', async () => {
    const running = await start(20, {
      policies: ['requests-per-second'],
      targetRequestsPerSecond: 10,
      scaleIn: { sustainedBelowTargetMs: 3_000 },
    });
    // 25 requests/s against a target of 10 per instance: 3 instances.
    const paced = new PacedLoad(running.proxy.host, running.proxy.port, 25, 60_000);
    load = paced;
    const grown = await waitForStatus(
      running.admin,
      '3 instances',
      (status) => healthyInstances(status).length === 3 && status.scaling.inProgress.length === 0,
      30_000,
      log,
    );
    const scaleOuts = ofKind(grown, 'scale-out');
    expect(scaleOuts).toHaveLength(2);
    // While the load ramps up the window average may first ask for 2, then for 3.
    for (const event of scaleOuts)
      expect(event.trigger).toMatch(
        /^requests-per-second: [\d.]+ requests\/s over 2s = [\d.]+ per instance \(target 10\) -> [23] instance\(s\)$/,
      );
    // The step that brought the third instance asked for 3 (what the policy recommends at the moment
    // of this status read depends on the rate the load generator reached in the last window: a
    // busy machine's business, not the policy's).
    expect(scaleOuts[scaleOuts.length - 1].trigger).toMatch(/-> 3 instance\(s\)$/);
    expect(grown.scaling.policies).toEqual([
      expect.objectContaining({ name: 'requests-per-second', target: 10 }),
    ]);

    // A 1 s pause inside a 3 s sustained window: no scale-in.
    paced.setRate(0);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    paced.setRate(25);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(ofKind(await readStatus(running.admin), 'scale-in')).toEqual([]);

    // 4 requests/s: one instance is enough, but only once that held for the whole window.
    paced.setRate(4);
    const droppedAtMs = Date.now();
    const shrunk = await waitForStatus(
      running.admin,
      'back to 1 instance',
      (status) => status.instances.length === 1,
      30_000,
      log,
    );
    const scaleIns = ofKind(shrunk, 'scale-in');
    expect(scaleIns).toHaveLength(2); // one step at a time (scaleIn.step 1)
    expect(Date.parse(scaleIns[0].startedAt) - droppedAtMs).toBeGreaterThanOrEqual(2_900);
    expect(Date.parse(scaleIns[1].startedAt)).toBeGreaterThan(
      Date.parse(scaleIns[0].finishedAt as string),
    );
    for (const event of scaleIns)
      expect(event.trigger).toMatch(
        /^for 3s the load fit on [12] instance\(s\) at or below target: requests-per-second/,
      );
    expect(shrunk.instances.map((instance) => instance.role)).toEqual(['original']); // protected, and minInstances 1

    const replies = await paced.stop();
    load = undefined;
    expect(replies.length).toBeGreaterThan(100);
    expect(replies.filter((reply) => reply.status !== 200)).toEqual([]);
  });

  it('in-flight: scales out to the target but never above maxInstances (said once), and back to minInstances when idle', async () => {
    const running = await start(300, {
      policies: ['in-flight'],
      targetInFlight: 2,
      minInstances: 1,
      maxInstances: 2,
      scaleIn: { sustainedBelowTargetMs: 1_500 },
    });
    // 8 clients each keep one 300 ms request in flight: about 8 in flight, 4 instances wanted, 2 allowed.
    const clients = new ConcurrentClients(running.proxy.host, running.proxy.port, 8, 60_000);
    load = clients;
    await waitForStatus(
      running.admin,
      '2 instances',
      (status) => healthyInstances(status).length === 2 && status.scaling.inProgress.length === 0,
      30_000,
      log,
    );
    await waitForStatus(
      running.admin,
      'the policy asking for more',
      (status) => Number(status.scaling.policies[0].recommendedInstances) >= 3,
      10_000,
      log,
    );
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const atMax = await readStatus(running.admin);
    expect(atMax.scaling).toMatchObject({ desiredInstances: 2, actualInstances: 2 });
    expect(ofKind(atMax, 'scale-out')).toHaveLength(1);
    expect(
      running.logger.matching(/policies want \d instances, but already at scaling\.maxInstances=2/),
    ).toHaveLength(1);

    const replies = await clients.stop();
    load = undefined;
    expect(replies.filter((reply) => reply.status !== 200)).toEqual([]);
    const idle = await waitForStatus(
      running.admin,
      'back to the minimum',
      (status) => status.instances.length === 1,
      20_000,
      log,
    );
    expect(ofKind(idle, 'scale-in')).toHaveLength(1);
    expect(idle.scaling).toMatchObject({ desiredInstances: 1, minInstances: 1 });
  });
});
