import { healthyInstances, readStatus, waitForStatus } from './support/admin-client';
import { httpGet } from './support/http-get';
import { InProcessController } from './support/in-process-controller';
import { ownLoopbackPrefix } from './support/loopback';
import { localControllerConfig } from './support/local-controller-config';

/**
 * The seed's request-count policy with the production knobs: scaleOutStep (several instances per
 * trigger), scaleOutCooldownMs (a threshold reached in the cooldown waits for its end), and
 * minInstances (brought up at start without any request).
 */
describe('request-count policy: step, cooldown, minimum', () => {
  jest.setTimeout(60_000);
  let controller: InProcessController | undefined;

  afterEach(async () => {
    await controller?.close();
    controller = undefined;
  });

  async function start(scaling: Record<string, unknown>): Promise<InProcessController> {
    const prefix = ownLoopbackPrefix();
    controller = await InProcessController.start({
      ...localControllerConfig(prefix, {
        local: { bootDelayMs: 200, serviceEnv: { WORK_DELAY_MS: '0' }, stopGraceMs: 2_000 },
      }),
      scaling: {
        traffic: 'pool',
        duringScaleOut: 'serve',
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

  async function send(running: InProcessController, count: number): Promise<number[]> {
    const statuses: number[] = [];
    for (let n = 0; n < count; n++)
      statuses.push((await httpGet(running.proxy.host, running.proxy.port, '/')).status);
    return statuses;
  }

  it('scaleOutStep 2: one trigger adds two instances at once; a threshold reached in the cooldown waits for its end (said once)', async () => {
    const running = await start({
      thresholdRequests: 3,
      maxInstances: 5,
      scaleOutStep: 2,
      scaleOutCooldownMs: 2_500,
    });
    expect(await send(running, 3)).toEqual([200, 200, 200]); // serve: the trigger is answered too
    const three = await waitForStatus(
      running.admin,
      '3 instances',
      (status) => healthyInstances(status).length === 3 && status.scaling.inProgress.length === 0,
      20_000,
      log,
    );
    const firstOut = three.scaling.events.filter((event) => event.kind === 'scale-out');
    expect(firstOut).toHaveLength(2);
    expect(new Set(firstOut.map((event) => event.trigger))).toEqual(
      new Set(['request 3 since the last scale event reached scaling.thresholdRequests=3']),
    );
    expect(three.scaling.desiredInstances).toBe(3);

    // In the cooldown: the threshold is reached, nothing starts, it is said once.
    expect(await send(running, 6)).toEqual(Array(6).fill(200));
    const held = await readStatus(running.admin);
    expect(held.scaling.desiredInstances).toBe(3);
    expect(held.scaling.cooldowns.scaleOutRemainingMs).toBeGreaterThan(0);
    expect(
      running.logger.matching(
        /threshold reached, but in the scale-out cooldown for another \d+\.\ds \(scaling\.scaleOutCooldownMs\)/,
      ),
    ).toHaveLength(1);

    // After it, the next request over the threshold scales out again, capped by maxInstances (5).
    await new Promise((resolve) =>
      setTimeout(resolve, held.scaling.cooldowns.scaleOutRemainingMs + 100),
    );
    expect(await send(running, 1)).toEqual([200]);
    const five = await waitForStatus(
      running.admin,
      '5 instances',
      (status) => healthyInstances(status).length === 5 && status.scaling.inProgress.length === 0,
      20_000,
      log,
    );
    expect(five.scaling.desiredInstances).toBe(5);
    expect(five.scaling.events.filter((event) => event.kind === 'scale-out')).toHaveLength(4);
  });

  it('minInstances 3: brought up at start-up without a request; the policy adds on top, never more than maxInstances', async () => {
    const running = await start({ thresholdRequests: 2, minInstances: 3, maxInstances: 4 });
    const three = await waitForStatus(
      running.admin,
      'the minimum',
      (status) => healthyInstances(status).length === 3 && status.scaling.inProgress.length === 0,
      20_000,
      log,
    );
    expect(three.scaling).toMatchObject({ desiredInstances: 3, minInstances: 3, maxInstances: 4 });
    await send(running, 2);
    await waitForStatus(
      running.admin,
      '4 instances',
      (status) => healthyInstances(status).length === 4 && status.scaling.inProgress.length === 0,
      20_000,
      log,
    );
    await send(running, 4);
    const final = await readStatus(running.admin);
    expect(final.scaling.desiredInstances).toBe(4);
    expect(
      running.logger.matching(/already at scaling\.maxInstances=4: no scale-out/),
    ).toHaveLength(1);
  });
});
