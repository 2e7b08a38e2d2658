import { FakeCloudController } from '../test-support/fake-cloud-controller';
import { StatusService } from '../src/admin/status.service';

/**
 * scaling.schedule on the whole controller (fake OpenStack, manual clock starting at
 * 2026-01-01T00:00:00Z): an entry raising minInstances at 00:01 UTC makes the controller scale out
 * at that minute and not before; an entry that fired before the start is in force at once.
 */
describe('scheduled capacity on a manual clock (fake OpenStack)', () => {
  jest.setTimeout(120_000);
  let running: FakeCloudController | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  it('minInstances 2 from 00:01 UTC: nothing before that minute, a scale-out at it', async () => {
    running = await FakeCloudController.start({
      thresholdRequests: 1000,
      maxInstances: 3,
      // Daily: one instance from midnight, two from 00:01 (yesterday's 00:01 is older than today's 00:00).
      schedule: [
        { name: 'night', cron: '0 0 * * *', timeZone: 'UTC', minInstances: 1 },
        { name: 'at-00:01', cron: '1 0 * * *', timeZone: 'UTC', minInstances: 2 },
      ],
    });
    const { scaling, clock, cloud } = running;
    const minute = Date.parse('2026-01-01T00:01:00Z');
    expect(clock.now().getTime()).toBeLessThan(minute - 5_000);
    expect(scaling.desiredCount).toBe(1);
    const status = running.app.get(StatusService).snapshot();
    expect(status.schedule?.next[0]).toEqual({
      at: '2026-01-01T00:01:00.000Z',
      entry: 'at-00:01',
      minInstances: 2,
    });
    expect(status.schedule?.next.map((change) => change.at)).toEqual([
      '2026-01-01T00:01:00.000Z',
      '2026-01-02T00:00:00.000Z',
      '2026-01-02T00:01:00.000Z',
    ]);
    expect(status.schedule?.inForce).toMatchObject({
      minInstances: 1,
      maxInstances: 3,
      minFrom: 'night at 2026-01-01T00:00:00.000Z',
    });

    const creates = () => cloud.callsTo('compute', 'POST', /\/servers$/).length;
    await running.until(() => clock.now().getTime() >= minute - 100);
    expect([scaling.desiredCount, creates(), scaling.inProgress()]).toEqual([1, 0, undefined]);

    await running.until(() => scaling.inProgress() !== undefined, 5_000);
    const started = Date.parse(scaling.inProgress()?.startedAt ?? '');
    expect(started).toBeGreaterThanOrEqual(minute);
    expect(started).toBeLessThan(minute + 1_000);
    expect(scaling.desiredCount).toBe(2);
    expect(
      running.logger.matching(/capacity in force: minInstances 2, maxInstances 3/),
    ).toHaveLength(1);

    await running.until(() => scaling.inProgress() === undefined);
    expect(scaling.events().at(-1)).toMatchObject({ kind: 'scale-out', state: 'admitted' });
    expect(creates()).toBe(1);
    expect(running.app.get(StatusService).snapshot().scaling).toMatchObject({
      minInstances: 2,
      desiredInstances: 2,
    });
  });

  it('restart-safe: an entry that fired before the start is applied at start-up (its desired too, clamped)', async () => {
    running = await FakeCloudController.start({
      thresholdRequests: 1000,
      maxInstances: 2,
      schedule: [{ cron: '0 0 * * *', timeZone: 'UTC', desired: 5 }],
    });
    const { scaling } = running;
    await running.until(() =>
      scaling.events().some((event) => event.kind === 'scale-out' && event.state === 'admitted'),
    );
    expect(scaling.desiredCount).toBe(2); // 5, clamped by maxInstances 2
    expect(
      running.logger.matching(
        /desired instances 1 -> 2 \(schedule: schedule\[0\] "0 0 \* \* \*" UTC set desired 5/,
      ),
    ).toHaveLength(1);
  });
});
