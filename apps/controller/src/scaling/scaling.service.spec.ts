import { FakeCloudController } from '../../test-support/fake-cloud-controller';
import { InstancePool } from '../pool/instance-pool';
import { RequestCountPolicy } from './request-count-policy';
import { ScaleOutGate } from './scale-out-gate';
import { ScalingEventLog } from './scaling-event-log';

/**
 * The reconciler on the fake OpenStack with a manual clock: it carries out the decisions of
 * scaling-decisions.ts, off the data path, and starts nothing once shutdown began.
 */
describe('ScalingService (the reconciler)', () => {
  jest.setTimeout(60_000);
  let running: FakeCloudController | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  it('on the data path only counts and closes the gate; the launch starts on the reconciler tick', async () => {
    running = await FakeCloudController.start({ thresholdRequests: 3, maxInstances: 2 });
    const { scaling, clock } = running;
    const gate = running.app.get(ScaleOutGate);
    scaling.countRequest();
    scaling.countRequest();
    expect(gate.current().open).toBe(true);
    scaling.countRequest(); // the threshold
    expect(gate.current().open).toBe(false); // this very request is answered 503
    expect(scaling.inProgress()).toBeUndefined(); // ...but nothing was started inside it
    expect(clock.pendingDeferred).toBe(1);
    await clock.runDeferred();
    expect(scaling.inProgress()).toMatchObject({
      kind: 'scale-out',
      trigger: 'request 3 since the last scale event reached scaling.thresholdRequests=3',
    });
    await running.until(() => scaling.inProgress() === undefined);
    expect(scaling.events().at(-1)).toMatchObject({ kind: 'scale-out', state: 'admitted' });
    expect(gate.current().open).toBe(true);
  });

  it('a reconciler that throws never reaches the data path, and clients are not left on 503', async () => {
    running = await FakeCloudController.start({ thresholdRequests: 2, maxInstances: 2 });
    const { scaling, clock } = running;
    const gate = running.app.get(ScaleOutGate);
    const bug = (): void => {
      throw new Error('a bug in a scaling-event listener');
    };
    running.app.get(ScalingEventLog).events.on('started', bug);
    scaling.countRequest();
    expect(() => scaling.countRequest()).not.toThrow();
    expect(gate.current().open).toBe(false);
    await clock.runDeferred();
    expect(
      running.logger.matching(/reconcile failed: Error: a bug in a scaling-event listener/),
    ).toHaveLength(1);
    expect(gate.current().open).toBe(true); // nothing started: the gate opens again
    // The periodic evaluation meets the same bug: it too must not leave the gate closed.
    await clock.advance(5_000);
    expect(
      running.logger.matching(/reconcile failed: Error: a bug in a scaling-event listener/).length,
    ).toBeGreaterThan(1);
    expect(gate.current().open).toBe(true);
    running.app.get(ScalingEventLog).events.off('started', bug);
    // The desired count still says 2: the next evaluation starts the launch.
    await running.until(() => scaling.events().length > 0);
    expect(scaling.events().at(-1)).toMatchObject({ kind: 'scale-out', state: 'admitted' });
  });

  it('a removal that throws (a bug in a pool listener) is logged, never an unhandled rejection that would end the process', async () => {
    running = await FakeCloudController.start({
      thresholdRequests: 2,
      maxInstances: 2,
      traffic: 'pool',
    });
    const { scaling, clock } = running;
    for (let n = 0; n < 2; n++) scaling.countRequest();
    await clock.runDeferred();
    await running.until(() => scaling.events().length === 1);
    const clone = running.app
      .get(InstancePool)
      .list()
      .find((instance) => instance.role !== 'original');
    expect(clone).toBeDefined();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const bug = (): void => {
      throw new Error('a bug in a pool listener');
    };
    running.app.get(InstancePool).events.on('removed', bug);
    try {
      const removal = scaling.removeInstance(clone!, false, 'spec removes the clone');
      removal.catch(() => undefined); // the caller's copy; what matters is the reconciler's own
      await running.until(
        () =>
          running!.logger.matching(/removal failed: Error: a bug in a pool listener/).length === 1,
      );
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      running.app.get(InstancePool).events.off('removed', bug);
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('a scale-in is a scale event: the request count starts again and the next trigger names the true count', async () => {
    running = await FakeCloudController.start({
      thresholdRequests: 3,
      maxInstances: 2,
      traffic: 'pool',
      scaleIn: { protectOriginal: true },
    });
    const { scaling, clock } = running;
    const policy = running.app.get(RequestCountPolicy);
    for (let n = 0; n < 3; n++) scaling.countRequest();
    await clock.runDeferred();
    await running.until(() => scaling.events().length === 1);
    scaling.countRequest();
    scaling.countRequest();
    expect(policy.counted).toBe(2);
    scaling.setDesired(1, { source: 'manual', reason: 'spec scales in' });
    expect(policy.counted).toBe(0); // reset when the scale-in starts...
    scaling.countRequest();
    let removed = false;
    void scaling.idle().then(() => (removed = true));
    await running.until(() => removed);
    expect(policy.counted).toBe(0); // ...and when it ends
    expect(running.app.get(ScalingEventLog).recent().at(-1)).toMatchObject({
      kind: 'scale-in',
      state: 'removed',
    });
    for (let n = 0; n < 2; n++) scaling.countRequest();
    expect(running.logger.matching(/desired instances 1 -> 2/)).toHaveLength(1); // 2 since the scale-in: no trigger yet
    scaling.countRequest();
    // Both triggers name the true count: 3 since the last scale event (not 6, nor 4 after the scale-in).
    expect(
      running.logger.matching(
        /desired instances 1 -> 2 \(policy: request \d+ since the last scale event/,
      ),
    ).toEqual([
      expect.stringContaining('request 3 since'),
      expect.stringContaining('request 3 since'),
    ]);
    await clock.runDeferred();
    await running.until(() => scaling.events().length === 2);
  });

  it('after stop() nothing starts: an instance that dies is recorded as stopped, not replaced', async () => {
    running = await FakeCloudController.start({ thresholdRequests: 100, maxInstances: 3 });
    const { scaling } = running;
    const original = running.app.get(InstancePool).admitted()[0];
    scaling.stop('spec stops');
    scaling.replace(original, 'its server is ERROR', false);
    scaling.setDesired(3, { source: 'manual', reason: 'spec' });
    for (let n = 0; n < 200; n++) scaling.countRequest();
    await running.clock.runDeferred();
    expect(scaling.inProgress()).toBeUndefined();
    expect(running.logger.matching(/is being replaced/)).toEqual([]);
    expect(
      running.logger.matching(
        /service-vm-1 stopped during shutdown \(its server is ERROR\): not replaced/,
      ),
    ).toHaveLength(1);
    expect(
      running.logger.matching(
        /threshold of 100 requests reached, but the controller is shutting down: no scale-out/,
      ),
    ).toHaveLength(1);
    expect(running.cloud.callsTo('compute', 'POST', /\/servers$/)).toEqual([]);
  });

  it('at start-up says the desired count and where it came from', async () => {
    running = await FakeCloudController.start();
    expect(
      running.logger.matching(
        /desired instances: 1 \(restart recovery: no server of group service besides the original\)/,
      ),
    ).toHaveLength(1);
    expect(running.logger.matching(/desired instances - -> /)).toEqual([]);
  });
});
