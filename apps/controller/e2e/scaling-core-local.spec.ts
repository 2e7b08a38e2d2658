import { ScalingEventLog } from '../src/scaling/scaling-event-log';
import { SERVICE_BUNDLE } from './support/controller-process';
import { getJson, httpGet, HttpReply } from './support/http-get';
import { InProcessController } from './support/in-process-controller';
import { ownLoopbackPrefix } from './support/loopback';

interface StatusView {
  requests: { countedSinceLastScaleEvent: number };
  scaling: { desiredInstances: number; events: Array<{ kind: string; state: string }> };
}

/** The scaling core seen from a client, on the local provider: the data path and the control plane apart. */
describe('scaling core on the local provider', () => {
  jest.setTimeout(60_000);
  let controller: InProcessController | undefined;
  afterEach(async () => {
    await controller?.close();
    controller = undefined;
  });

  async function start(prefix: string, scaling: Record<string, unknown>): Promise<InProcessController> {
    controller = await InProcessController.start({
      proxy: { listenHost: `${prefix}.200`, listenPort: 0 },
      admin: { listenHost: `${prefix}.201`, listenPort: 0 },
      provider: { kind: 'local', local: { bundlePath: SERVICE_BUNDLE, firstAddress: `${prefix}.1`, bootDelayMs: 300, serviceEnv: { WORK_DELAY_MS: '0' }, stopGraceMs: 2_000 } },
      scaling: { statusPollInitialMs: 100, statusPollMaxMs: 100, ...scaling },
      health: { intervalMs: 100 },
    });
    await controller.originalAdmitted();
    return controller;
  }

  const get = (running: InProcessController): Promise<HttpReply> => httpGet(running.proxy.host, running.proxy.port, '/');

  it('a control-plane exception never reaches the data path: the threshold request still gets 503, the next ones are served', async () => {
    const prefix = ownLoopbackPrefix();
    const running = await start(prefix, { thresholdRequests: 3, maxInstances: 2 });
    const events = running.app.get(ScalingEventLog).events;
    const bug = (): void => {
      throw new Error('a bug in a scaling-event listener');
    };
    events.on('started', bug);
    const replies = [await get(running), await get(running), await get(running), await get(running), await get(running)];
    events.off('started', bug);
    // The seed's answers: served, served, 503 for the request that reached the threshold, then served by the original.
    expect(replies.map((reply) => reply.status)).toEqual([200, 200, 503, 200, 200]);
    expect(replies[2].headers['retry-after']).toBeDefined();
    expect(running.logger.matching(/reconcile failed: Error: a bug in a scaling-event listener/).length).toBeGreaterThanOrEqual(1);
  });

  it('a scale-in is a scale event: the request count starts again, on /status and in the log', async () => {
    const prefix = ownLoopbackPrefix();
    const running = await start(prefix, { thresholdRequests: 3, maxInstances: 2 });
    const status = (): Promise<StatusView> => getJson<StatusView>(running.admin.host, running.admin.port, '/status');
    expect((await Promise.all([get(running), get(running), get(running)])).map((reply) => reply.status).sort()).toContain(503);
    await running.scaling.idle();
    await get(running);
    await get(running);
    expect((await status()).requests.countedSinceLastScaleEvent).toBe(2);
    running.scaling.setDesired(1, { source: 'manual', reason: 'the test scales in' });
    await running.scaling.idle();
    const afterScaleIn = await status();
    expect(afterScaleIn.scaling.events.at(-1)).toMatchObject({ kind: 'scale-in', state: 'removed' });
    expect(afterScaleIn.requests.countedSinceLastScaleEvent).toBe(0);
    expect((await get(running)).status).toBe(200);
    expect((await get(running)).status).toBe(200);
    expect((await get(running)).status).toBe(503); // the 3rd since the scale-in, not the 1st
    expect(running.logger.matching(/desired instances 1 -> 2 \(policy: request \d+ since the last scale event/)).toEqual([
      expect.stringContaining('request 3 since'),
      expect.stringContaining('request 3 since'),
    ]);
  });
});
