import {
  decideOnPolicies,
  decideOnThreshold,
  HOLD_RESET_POINTS,
  planReconcile,
  ScalingSnapshot,
} from './scaling-decisions';

const NO_BACKOFF = { failuresInARow: 0, notBeforeMs: 0 };

function snapshot(overrides: Partial<ScalingSnapshot> = {}): ScalingSnapshot {
  return {
    desired: 1,
    paused: false,
    stopping: false,
    minInstances: 1,
    maxInstances: 3,
    scaleOutStep: 1,
    scaleInStep: 1,
    actual: 1,
    launchesRunning: 0,
    removalsRunning: 0,
    replacementsOwed: 0,
    cloudApiDegraded: false,
    scaleOutBackoff: NO_BACKOFF,
    replacementBackoff: NO_BACKOFF,
    lastScaleOutEndedMs: Number.NEGATIVE_INFINITY,
    lastScaleEventEndedMs: Number.NEGATIVE_INFINITY,
    scaleOutCooldownMs: 0,
    scaleInCooldownMs: 0,
    ...overrides,
  };
}

const AT_THRESHOLD = { counted: 10, threshold: 10 };

describe('decideOnThreshold (why did it scale out: the request-count policy)', () => {
  it('scales out one step at the threshold, naming the true count', () => {
    expect(decideOnThreshold(snapshot(), AT_THRESHOLD, 0)).toEqual({
      kind: 'set-desired',
      to: 2,
      reason: 'request 10 since the last scale event reached scaling.thresholdRequests=10',
    });
    expect(
      decideOnThreshold(snapshot({ desired: 1, scaleOutStep: 2 }), { counted: 5, threshold: 5 }, 0),
    ).toMatchObject({ to: 3, reason: expect.stringMatching(/^request 5 /) });
  });

  it.each([
    ['stopping', { stopping: true, paused: true }, /shutting down/],
    ['paused', { paused: true }, /autoscaling is paused/],
    ['recovering', { desired: undefined }, /still being listed/],
    ['at-capacity', { desired: 3 }, /already at scaling.maxInstances=3/],
    [
      'backing-off',
      { scaleOutBackoff: { failuresInARow: 2, notBeforeMs: 4_000 } },
      /backing off for another 3\.0s after 2 failed/,
    ],
    [
      'cooldown',
      { lastScaleOutEndedMs: 500, scaleOutCooldownMs: 2_000 },
      /cooldown for another 1\.5s/,
    ],
  ] as const)('holds when %s, and says why', (condition, overrides, why) => {
    expect(decideOnThreshold(snapshot(overrides), AT_THRESHOLD, 1_000)).toEqual({
      kind: 'hold',
      condition,
      why: expect.stringMatching(why),
    });
  });

  it('lets a scale-out through once the back-off and the cooldown have passed on the clock', () => {
    const waiting = snapshot({
      scaleOutBackoff: { failuresInARow: 1, notBeforeMs: 2_000 },
      lastScaleOutEndedMs: 0,
      scaleOutCooldownMs: 3_000,
    });
    expect(decideOnThreshold(waiting, AT_THRESHOLD, 1_999)).toMatchObject({
      kind: 'hold',
      condition: 'backing-off',
    });
    expect(decideOnThreshold(waiting, AT_THRESHOLD, 2_000)).toMatchObject({
      kind: 'hold',
      condition: 'cooldown',
    });
    expect(decideOnThreshold(waiting, AT_THRESHOLD, 3_000)).toMatchObject({
      kind: 'set-desired',
      to: 2,
    });
  });
});

describe('decideOnPolicies (target tracking)', () => {
  const wants = (scaleOutTo: number | undefined, scaleInTo?: number) => ({
    scaleOutTo,
    scaleInTo,
    why: 'rps 30/10',
    sustainedBelowTargetMs: 60_000,
  });

  it('scales out by at most one step toward what the policies want', () => {
    expect(decideOnPolicies(snapshot(), wants(3), 0)).toEqual({
      kind: 'set-desired',
      to: 2,
      reason: 'rps 30/10',
    });
    expect(decideOnPolicies(snapshot({ scaleOutStep: 5 }), wants(3), 0)).toMatchObject({ to: 3 });
  });

  it('holds at capacity and in the cooldown, and stays silent while backing off', () => {
    expect(decideOnPolicies(snapshot({ desired: 3 }), wants(4), 0)).toMatchObject({
      kind: 'hold',
      condition: 'at-capacity',
    });
    expect(
      decideOnPolicies(
        snapshot({ lastScaleOutEndedMs: 0, scaleOutCooldownMs: 1_000 }),
        wants(2),
        10,
      ),
    ).toMatchObject({ kind: 'hold', condition: 'cooldown' });
    expect(
      decideOnPolicies(
        snapshot({ scaleOutBackoff: { failuresInARow: 1, notBeforeMs: 100 } }),
        wants(2),
        10,
      ),
    ).toEqual({ kind: 'none' });
  });

  it('scales in only when all agree, nothing is moving and the scale-in cooldown is over; and resolves the cooldown hold', () => {
    const three = snapshot({ desired: 3, actual: 3 });
    expect(decideOnPolicies(three, wants(undefined, 1), 0)).toMatchObject({
      kind: 'set-desired',
      to: 2,
      reason: expect.stringMatching(/^for 60s the load fit on 1 instance/),
      resolved: HOLD_RESET_POINTS.noScaleOutWanted,
    });
    expect(
      decideOnPolicies({ ...three, launchesRunning: 1 }, wants(undefined, 1), 0),
    ).toMatchObject({ kind: 'none' });
    expect(
      decideOnPolicies({ ...three, removalsRunning: 1 }, wants(undefined, 1), 0),
    ).toMatchObject({ kind: 'none' });
    expect(
      decideOnPolicies(
        { ...three, lastScaleEventEndedMs: 0, scaleInCooldownMs: 500 },
        wants(undefined, 1),
        499,
      ),
    ).toMatchObject({ kind: 'none' });
    expect(decideOnPolicies({ ...three, minInstances: 3 }, wants(undefined, 1), 0)).toMatchObject({
      kind: 'none',
    });
  });

  it('does nothing while paused, recovering or stopping', () => {
    for (const overrides of [{ paused: true }, { desired: undefined }, { stopping: true }])
      expect(decideOnPolicies(snapshot(overrides), wants(3), 0)).toEqual({ kind: 'none' });
  });
});

describe('planReconcile (what brings the instances to the desired count)', () => {
  it('launches what is missing, replacements owed first', () => {
    expect(planReconcile(snapshot({ desired: 3, actual: 1, replacementsOwed: 1 }), 0)).toEqual({
      kind: 'launch',
      launches: ['replacement', 'scale-out'],
      resolved: HOLD_RESET_POINTS.cloudApiAnswers,
    });
  });

  it('stops at a kind that is backing off, saying why, after launching what may start', () => {
    const plan = planReconcile(
      snapshot({
        desired: 3,
        actual: 1,
        replacementsOwed: 1,
        scaleOutBackoff: { failuresInARow: 3, notBeforeMs: 5_000 },
      }),
      1_000,
    );
    expect(plan).toEqual({
      kind: 'launch',
      launches: ['replacement'],
      then: {
        condition: 'scale-out-backoff',
        why: 'scale-out waits another 4.0s after 3 failure(s) in a row',
      },
      resolved: HOLD_RESET_POINTS.cloudApiAnswers,
    });
  });

  it('holds while the cloud API is degraded', () => {
    expect(planReconcile(snapshot({ desired: 2, cloudApiDegraded: true }), 0)).toMatchObject({
      kind: 'hold',
      condition: 'api-degraded',
    });
  });

  it('scales in only once nothing is being added', () => {
    expect(planReconcile(snapshot({ desired: 1, actual: 3 }), 0)).toEqual({
      kind: 'shrink',
      count: 2,
    });
    expect(planReconcile(snapshot({ desired: 1, actual: 3, launchesRunning: 1 }), 0)).toEqual({
      kind: 'wait-for-launches',
    });
  });

  it('starts nothing before recovery or after the first shutdown signal', () => {
    expect(planReconcile(snapshot({ desired: undefined, actual: 0 }), 0)).toEqual({ kind: 'idle' });
    expect(
      planReconcile(snapshot({ desired: 3, actual: 1, replacementsOwed: 1, stopping: true }), 0),
    ).toEqual({ kind: 'idle' });
  });
});

describe('capacity blocks (a quota, NoValidHost for a hard group): held until capacity changes', () => {
  const block = 'quota cores: the next instance needs 2 vCPUs, 50 of 50 are used: 2 over';
  it('planReconcile holds instead of launching, saying why', () => {
    expect(planReconcile(snapshot({ desired: 3, actual: 2, capacityBlock: block }), 0)).toEqual({
      kind: 'hold',
      condition: 'capacity-blocked',
      why: `1 instance(s) short of the desired 3, waiting until capacity changes: ${block}`,
    });
    // A scale-in is not held by it.
    expect(planReconcile(snapshot({ desired: 1, actual: 2, capacityBlock: block }), 0)).toEqual({
      kind: 'shrink',
      count: 1,
    });
  });
  it('the threshold and the policies do not raise the desired count while blocked', () => {
    expect(
      decideOnThreshold(
        snapshot({ desired: 1, capacityBlock: block }),
        { counted: 10, threshold: 10 },
        0,
      ),
    ).toMatchObject({ kind: 'hold', condition: 'capacity-blocked' });
    expect(
      decideOnPolicies(
        snapshot({ desired: 1, capacityBlock: block }),
        { scaleOutTo: 2, scaleInTo: undefined, why: 'busy', sustainedBelowTargetMs: 0 },
        0,
      ),
    ).toMatchObject({ kind: 'hold', condition: 'capacity-blocked' });
  });
});
