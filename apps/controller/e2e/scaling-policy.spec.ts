import { ScalingEventLog } from '../src/scaling/scaling-event-log';
import { getJson, httpGet, HttpReply } from './support/http-get';
import { InProcessController } from './support/in-process-controller';
import { ownLoopbackPrefix } from './support/loopback';
import { localControllerConfig } from './support/local-controller-config';

interface StatusView {
  activeBackend: { address: string } | null;
  instances: Array<{ name: string; role: string; ip: string | null; serving: boolean }>;
  requests: { countedSinceLastScaleEvent: number };
  scaling: { desiredInstances: number; events: Array<{ kind: string; state: string }> };
}

/** The request-count trigger, maxInstances and keepPreviousInstance, on the local provider. */
describe('scaling policy on the local provider', () => {
  jest.setTimeout(60_000);
  let controller: InProcessController | undefined;
  afterEach(async () => {
    await controller?.close();
    controller = undefined;
  });

  async function start(
    prefix: string,
    scaling: Record<string, unknown>,
  ): Promise<InProcessController> {
    controller = await InProcessController.start({
      ...localControllerConfig(prefix, {
        local: { bootDelayMs: 300, serviceEnv: { WORK_DELAY_MS: '0' }, stopGraceMs: 2_000 },
      }),
      scaling: { statusPollInitialMs: 100, statusPollMaxMs: 100, ...scaling },
      health: { intervalMs: 100 },
    });
    await controller.originalAdmitted();
    return controller;
  }

  /** Sequential requests; after a 503 it waits for the scale-out to end before going on. */
  async function send(running: InProcessController, count: number): Promise<HttpReply[]> {
    const replies: HttpReply[] = [];
    for (let n = 0; n < count; n++) {
      const reply = await httpGet(running.proxy.host, running.proxy.port, '/');
      replies.push(reply);
      if (reply.status === 503) await running.scaling.settled();
    }
    return replies;
  }
  const summary = (replies: HttpReply[]): string[] =>
    replies.map((reply) =>
      reply.status === 200 ? String(reply.headers['x-instance-address']) : String(reply.status),
    );

  it('triggers at every N-th counted request until maxInstances, then never again (said once)', async () => {
    const prefix = ownLoopbackPrefix();
    const running = await start(prefix, { thresholdRequests: 3, maxInstances: 3 });
    const replies = await send(running, 12);
    const [a, b, c] = [`${prefix}.1:5000`, `${prefix}.2:5000`, `${prefix}.3:5000`];
    // The count restarts after each scale event; 503s are not counted.
    expect(summary(replies)).toEqual([a, a, '503', b, b, '503', c, c, c, c, c, c]);
    expect(running.logger.matching(/starting: pid/)).toHaveLength(3);
    expect(
      running.logger.matching(/already at scaling\.maxInstances=3: no scale-out/),
    ).toHaveLength(1);
    const status = await getJson<StatusView>(running.admin.host, running.admin.port, '/status');
    expect(status.instances.map((instance) => [instance.ip, instance.serving])).toEqual([
      [`${prefix}.1`, false],
      [`${prefix}.2`, false],
      [`${prefix}.3`, true],
    ]);
    expect(status.requests.countedSinceLastScaleEvent).toBe(6);
  });

  it('with maxInstances 1 the original serves everything and nothing is created', async () => {
    const prefix = ownLoopbackPrefix();
    const running = await start(prefix, { thresholdRequests: 2, maxInstances: 1 });
    expect(summary(await send(running, 5))).toEqual(Array(5).fill(`${prefix}.1:5000`));
    expect(running.logger.matching(/starting: pid/)).toHaveLength(1);
  });

  it('keepPreviousInstance=false deletes the clone it switched away from, never the original', async () => {
    const prefix = ownLoopbackPrefix();
    const running = await start(prefix, {
      thresholdRequests: 2,
      maxInstances: 3,
      keepPreviousInstance: false,
    });
    await send(running, 2); // -> clone 1; the original is kept
    expect(
      running.logger.matching(/service-vm-1 kept: the original is never deleted/),
    ).toHaveLength(1);
    const beforeSecond = await getJson<StatusView>(
      running.admin.host,
      running.admin.port,
      '/status',
    );
    expect(beforeSecond.instances.map((instance) => instance.ip)).toEqual([
      `${prefix}.1`,
      `${prefix}.2`,
    ]);
    await send(running, 2); // -> clone 2; clone 1 is drained and deleted
    const deadline = Date.now() + 5_000;
    let status = await getJson<StatusView>(running.admin.host, running.admin.port, '/status');
    while (status.instances.length > 2 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      status = await getJson<StatusView>(running.admin.host, running.admin.port, '/status');
    }
    expect(status.instances.map((instance) => [instance.role, instance.ip])).toEqual([
      ['original', `${prefix}.1`],
      ['clone', `${prefix}.3`],
    ]);
    expect(running.logger.matching(/deleted \(scaling\.keepPreviousInstance=false\)/)).toHaveLength(
      1,
    );
  });

  const get = (running: InProcessController): Promise<HttpReply> =>
    httpGet(running.proxy.host, running.proxy.port, '/');

  it('a control-plane exception never reaches the data path: the threshold request still gets 503, the next ones are served', async () => {
    const prefix = ownLoopbackPrefix();
    const running = await start(prefix, { thresholdRequests: 3, maxInstances: 2 });
    const events = running.app.get(ScalingEventLog).events;
    const bug = (): void => {
      throw new Error('a bug in a scaling-event listener');
    };
    events.on('started', bug);
    const replies = [
      await get(running),
      await get(running),
      await get(running),
      await get(running),
      await get(running),
    ];
    events.off('started', bug);
    // The seed's answers: served, served, 503 for the request that reached the threshold, then served by the original.
    expect(replies.map((reply) => reply.status)).toEqual([200, 200, 503, 200, 200]);
    expect(replies[2].headers['retry-after']).toBeDefined();
    expect(
      running.logger.matching(/reconcile failed: Error: a bug in a scaling-event listener/).length,
    ).toBeGreaterThanOrEqual(1);
  });

  it('a scale-in is a scale event: the request count starts again, on /status and in the log', async () => {
    const prefix = ownLoopbackPrefix();
    const running = await start(prefix, { thresholdRequests: 3, maxInstances: 2 });
    const status = (): Promise<StatusView> =>
      getJson<StatusView>(running.admin.host, running.admin.port, '/status');
    expect(
      (await Promise.all([get(running), get(running), get(running)]))
        .map((reply) => reply.status)
        .sort(),
    ).toContain(503);
    await running.scaling.idle();
    await get(running);
    await get(running);
    expect((await status()).requests.countedSinceLastScaleEvent).toBe(2);
    running.scaling.setDesired(1, { source: 'manual', reason: 'the test scales in' });
    await running.scaling.idle();
    const afterScaleIn = await status();
    expect(afterScaleIn.scaling.events.at(-1)).toMatchObject({
      kind: 'scale-in',
      state: 'removed',
    });
    expect(afterScaleIn.requests.countedSinceLastScaleEvent).toBe(0);
    expect((await get(running)).status).toBe(200);
    expect((await get(running)).status).toBe(200);
    expect((await get(running)).status).toBe(503); // the 3rd since the scale-in, not the 1st
    expect(
      running.logger.matching(
        /desired instances 1 -> 2 \(policy: request \d+ since the last scale event/,
      ),
    ).toEqual([
      expect.stringContaining('request 3 since'),
      expect.stringContaining('request 3 since'),
    ]);
  });
});
