import { SERVICE_BUNDLE } from './support/controller-process';
import { InProcessController } from './support/in-process-controller';
import { ownLoopbackPrefix } from './support/loopback';
import { ScalingService } from '../src/scaling/scaling.service';

/** A cron expression (seconds first) that fires once a year at this UTC moment. */
function yearlyAt(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCSeconds()} ${d.getUTCMinutes()} ${d.getUTCHours()} ${d.getUTCDate()} ${d.getUTCMonth() + 1} *`;
}

/**
 * scaling.schedule in real time on the local provider (system clock, @nestjs/schedule's CronJob
 * and the clock timer both armed): an entry with a seconds field a few seconds ahead raises
 * minInstances, and the controller starts a scale-out at that second, not before. Bounded: the
 * wait gives up after 30 s.
 */
describe('scheduled capacity in real time (local provider)', () => {
  jest.setTimeout(60_000);
  let controller: InProcessController | undefined;
  afterEach(async () => {
    await controller?.close();
    controller = undefined;
  });

  it('minInstances 2 from a few seconds ahead: the scale-out starts at that second', async () => {
    const prefix = ownLoopbackPrefix();
    // Whole seconds: cron has no finer field.
    const target = Math.ceil((Date.now() + 6_000) / 1000) * 1000;
    controller = await InProcessController.start({
      proxy: { listenHost: `${prefix}.200`, listenPort: 0 },
      admin: { listenHost: `${prefix}.201`, listenPort: 0 },
      provider: {
        kind: 'local',
        local: {
          bundlePath: SERVICE_BUNDLE,
          firstAddress: `${prefix}.1`,
          bootDelayMs: 200,
          serviceEnv: { WORK_DELAY_MS: '0' },
          stopGraceMs: 2_000,
        },
      },
      scaling: {
        maxInstances: 3,
        thresholdRequests: 1000,
        statusPollInitialMs: 100,
        statusPollMaxMs: 100,
        // Yearly entries: "one" fired a minute ago (so it, not last year's "two", is in force now).
        schedule: [
          { name: 'one', cron: yearlyAt(target - 60_000), timeZone: 'UTC', minInstances: 1 },
          { name: 'two', cron: yearlyAt(target), timeZone: 'UTC', minInstances: 2 },
        ],
      },
      health: { intervalMs: 100 },
    });
    await controller.originalAdmitted();
    const scaling = controller.app.get(ScalingService);
    const startedEarly = Date.now() >= target;
    if (!startedEarly) expect(scaling.desiredCount).toBe(1);

    const deadline = Date.now() + 30_000;
    while (
      scaling.inProgress() === undefined &&
      scaling.events().length === 0 &&
      Date.now() < deadline
    )
      await new Promise((r) => setTimeout(r, 50));
    const event = scaling.inProgress() ?? scaling.events()[0];
    expect(event?.kind).toBe('scale-out');
    expect(Date.parse(event?.startedAt ?? '')).toBeGreaterThanOrEqual(target);
    expect(scaling.desiredCount).toBe(2);
    if (!startedEarly)
      expect(
        controller.logger.matching(
          /capacity in force: minInstances 2, maxInstances 3 \((two fired|the scheduled moment came)/,
        ),
      ).toHaveLength(1);
  });
});
