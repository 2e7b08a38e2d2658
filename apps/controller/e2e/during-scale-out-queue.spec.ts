import * as http from 'node:http';
import { getJson, httpGet } from './support/http-get';
import { PoolCloud } from './support/pool-cloud';
import { timedGet, TimedReply } from './support/traffic-load';

interface ScalingEventView {
  kind: string;
  instanceName: string;
  state: string;
  trigger: string;
}

/**
 * `duringScaleOut: queue`: when no instance is healthy at all (here: the only one's process was
 * killed), requests wait in a bounded queue and go to the first instance admitted; past the
 * queue's size or wait limit they get 503 + Retry-After.
 */
describe('duringScaleOut: queue (real instances, built controller)', () => {
  jest.setTimeout(120_000);
  let pool: PoolCloud | undefined;
  afterEach(async () => {
    await pool?.close();
    pool = undefined;
  });

  async function killTheOnlyInstance(running: PoolCloud): Promise<void> {
    await running.services[0].stop();
    await running.waitForStatus(
      'the dead original to be out of rotation',
      (status) => status.instances.every((instance) => !instance.serving),
      10_000,
    );
  }

  function concurrentGets(running: PoolCloud, count: number): Promise<TimedReply[]> {
    return Promise.all(
      Array.from({ length: count }, () => timedGet(running.proxy.host, running.proxy.port)),
    );
  }

  it('holds requests while no instance is healthy and hands them to the replacement once it is admitted', async () => {
    pool = await PoolCloud.start({
      // .1 is the original; .2 is what the fake cloud reports for the server the controller creates.
      serviceEnvs: [{ WORK_DELAY_MS: '5' }, { WORK_DELAY_MS: '5' }],
      bootDelayMs: 1_500,
      config: {
        // Two paths bring a replacement: self-healing (the dead original fails health.failuresToEject=2 checks)
        // and the threshold (held requests count: the 3rd starts a scale-out). Whichever is admitted first gets the held requests.
        scaling: {
          traffic: 'pool',
          duringScaleOut: 'queue',
          thresholdRequests: 3,
          maxInstances: 2,
        },
        traffic: { queueMaxRequests: 50, queueMaxWaitMs: 30_000 },
        health: { intervalMs: 100, failuresToEject: 2 },
      },
    });
    const running = pool;
    await killTheOnlyInstance(running);

    const sentAtMs = Date.now();
    const pending = concurrentGets(running, 5);
    const holding = await running.waitForStatus(
      'five requests held',
      (status) => status.requests.queue.waiting === 5,
      5_000,
    );
    expect(holding.requests.queue).toMatchObject({ held: 5, released: 0, waiting: 5 });
    const replies = await pending;
    const admitted = await running.waitForStatus(
      'the replacement admitted',
      (status) =>
        status.instances.some(
          (instance) => instance.ip === `${running.prefix}.2` && instance.state === 'admitted',
        ),
      5_000,
    );

    // Which path brought the replacement: the request-count threshold (held requests count) or
    // self-healing (the dead original failed health.failuresToEject checks); both may start one.
    const { scaling } = await getJson<{
      scaling?: { events: ScalingEventView[]; inProgress: ScalingEventView[] };
    }>(running.admin.host, running.admin.port, '/status');
    const events = [...(scaling?.events ?? []), ...(scaling?.inProgress ?? [])].map(
      (event) => `${event.kind} ${event.instanceName} ${event.state}: ${event.trigger}`,
    );
    console.log(
      `queue: 5 requests held while no instance was healthy, answered ${JSON.stringify(replies.map((reply) => [reply.status, reply.latencyMs]))} ` +
        `(status, ms after sending); instances: ${JSON.stringify(admitted.instances.map((instance) => [instance.name, instance.ip, instance.state, instance.health]))}; ` +
        `scaling events: ${JSON.stringify(events)}`,
    );
    for (const reply of replies) {
      expect(reply).toMatchObject({ status: 200, instanceAddress: running.address(2) });
      // They waited for the replacement's boot (1.5 s in the fake cloud) rather than failing fast.
      expect(reply.atMs - sentAtMs).toBeGreaterThanOrEqual(1_400);
    }
    expect(admitted.requests.queue).toMatchObject({
      held: 5,
      released: 5,
      waiting: 0,
      refusedQueueFull: 0,
      refusedWaitedTooLong: 0,
    });
    expect(running.controller.output).toMatch(
      /no healthy instance: holding requests for the first instance admitted/,
    );
    expect(running.controller.output).toMatch(
      /request queue empty after \d+\.\ds: 5 held, 5 released to an instance, 0 answered 503/,
    );
    // Once admitted, requests go straight through.
    expect(await timedGet(running.proxy.host, running.proxy.port)).toMatchObject({
      status: 200,
      instanceAddress: running.address(2),
    });
  });

  it('past queueMaxRequests a request gets 503 at once; past queueMaxWaitMs a held one gets 503 + Retry-After', async () => {
    pool = await PoolCloud.start({
      serviceEnvs: [{ WORK_DELAY_MS: '5' }],
      config: {
        // maxInstances 1: nothing can replace the dead original, so held requests can only time out.
        scaling: {
          traffic: 'pool',
          duringScaleOut: 'queue',
          thresholdRequests: 1000,
          maxInstances: 1,
          retryAfterSeconds: 3,
        },
        traffic: { queueMaxRequests: 5, queueMaxWaitMs: 3_000 },
        health: { intervalMs: 100, failuresToEject: 2 },
      },
    });
    const running = pool;
    await killTheOnlyInstance(running);

    const sentAtMs = Date.now();
    const pending = concurrentGets(running, 5);
    await running.waitForStatus(
      'five requests held',
      (status) => status.requests.queue.waiting === 5,
      5_000,
    );
    const overflow = await concurrentGets(running, 3);
    const held = await pending;
    const firstHeldAnsweredAtMs = Math.min(...held.map((reply) => reply.atMs));

    console.log(
      `queue limits: 3 over queueMaxRequests=5 answered ${JSON.stringify(overflow.map((reply) => [reply.status, reply.latencyMs]))}; ` +
        `5 held answered ${JSON.stringify(held.map((reply) => [reply.status, reply.atMs - sentAtMs]))} (status, ms)`,
    );
    for (const reply of overflow) {
      expect(reply).toMatchObject({ status: 503, retryAfter: '3' });
      expect(reply.body).toMatch(/5 requests already waiting \(traffic\.queueMaxRequests\)/);
      // Refused at once, not after a wait: answered while the five were still held.
      expect(reply.atMs).toBeLessThan(firstHeldAnsweredAtMs);
    }
    for (const reply of held) {
      expect(reply).toMatchObject({ status: 503, retryAfter: '3' });
      expect(reply.body).toMatch(
        /no instance became healthy within 3\.0s \(traffic\.queueMaxWaitMs\)/,
      );
      expect(reply.atMs - sentAtMs).toBeGreaterThanOrEqual(2_950);
    }
    const status = await running.status();
    expect(status.requests.queue).toMatchObject({
      held: 5,
      released: 0,
      waiting: 0,
      refusedQueueFull: 3,
      refusedWaitedTooLong: 5,
    });
    const metrics = (await httpGet(running.admin.host, running.admin.port, '/metrics')).body;
    expect(metrics).toMatch(/^osa_traffic_decisions_total\{decision="refused_queue_full"\} 3$/m);
    expect(metrics).toMatch(/^osa_traffic_decisions_total\{decision="refused_queue_wait"\} 5$/m);
    expect(metrics).toMatch(/^osa_proxy_requests_total\{status="503",outcome="local"\} 8$/m);
  });

  it('a client that leaves while held gives its place to the next request at once, not at queueMaxWaitMs', async () => {
    pool = await PoolCloud.start({
      serviceEnvs: [{ WORK_DELAY_MS: '5' }],
      config: {
        scaling: {
          traffic: 'pool',
          duringScaleOut: 'queue',
          thresholdRequests: 1000,
          maxInstances: 1,
        },
        // A wait far beyond the test: any place freed here was freed by the client leaving.
        traffic: { queueMaxRequests: 3, queueMaxWaitMs: 120_000 },
        health: { intervalMs: 100, failuresToEject: 2 },
      },
    });
    const running = pool;
    await killTheOnlyInstance(running);

    /** Three requests held, then their clients hang up. */
    const holdThenLeave = async (round: number): Promise<void> => {
      const requests = Array.from({ length: 3 }, () => {
        const request = http.get({
          host: running.proxy.host,
          port: running.proxy.port,
          path: '/',
          agent: false,
        });
        request.on('error', () => undefined); // destroyed on purpose below
        return request;
      });
      await running.waitForStatus(
        `round ${round}: three requests held`,
        (status) => status.requests.queue.waiting === 3,
        5_000,
      );
      for (const request of requests) request.destroy();
      await running.waitForStatus(
        `round ${round}: the places freed`,
        (status) => status.requests.queue.waiting === 0,
        5_000,
      );
    };
    await holdThenLeave(1);
    // Without the withdrawal these three would be refused as "queue full" for two minutes.
    await holdThenLeave(2);

    const status = await running.status();
    expect(status.requests.queue).toMatchObject({
      held: 6,
      released: 0,
      waiting: 0,
      refusedQueueFull: 0,
      refusedWaitedTooLong: 0,
      leftWhileHeld: 6,
    });
    const metrics = (await httpGet(running.admin.host, running.admin.port, '/metrics')).body;
    expect(metrics).toMatch(/^osa_traffic_decisions_total\{decision="left_while_held"\} 6$/m);
  });
});
