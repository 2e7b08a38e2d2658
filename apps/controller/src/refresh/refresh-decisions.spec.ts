import { RefreshConfig } from '../config/refresh.config';
import { isFinalRefreshState, nextRefreshState } from '../pool/instance-lifecycle';
import { ManualClock } from '../../test-support/manual-clock';
import {
  CanarySnapshot,
  formatCheckpoint,
  judgeCanary,
  newRefreshId,
  p99,
  parseCheckpoint,
  planBatch,
  REFRESH_METADATA_KEY,
  REFRESH_REJECTED_METADATA_KEY,
  resumePoint,
  TrafficSample,
} from './refresh-decisions';

const margins = Object.assign(new RefreshConfig(), {
  canaryWindowMs: 60_000,
  minCanaryRequests: 20,
  maxErrorRateIncrease: 0.01,
  maxP99IncreasePercent: 50,
  p99SlackMs: 25,
});

function sample(requests: number, errors: number, p99Ms: number | undefined): TrafficSample {
  return { requests, errors, p99Ms };
}

describe('judgeCanary (over a snapshot and the manual clock)', () => {
  let clock: ManualClock;
  let snapshot: CanarySnapshot;

  beforeEach(() => {
    clock = new ManualClock();
    snapshot = {
      windowStartedMs: clock.nowMs(),
      canary: sample(0, 0, undefined),
      baseline: sample(0, 0, undefined),
    };
  });

  it('waits for the window while the canary is healthy and within the margins', async () => {
    snapshot = { ...snapshot, canary: sample(30, 0, 210), baseline: sample(300, 0, 205) };
    await clock.advance(59_999);
    expect(judgeCanary(snapshot, clock.nowMs(), margins)).toEqual({
      verdict: 'wait',
      remainingMs: 1,
    });
    await clock.advance(1);
    expect(judgeCanary(snapshot, clock.nowMs(), margins)).toMatchObject({
      verdict: 'pass',
      why: expect.stringContaining('30 request(s) in 60.0s: error rate 0.0%, p99 210 ms vs 205 ms'),
    });
  });

  it('fails at once when the canary is unhealthy, whatever the window', () => {
    const verdict = judgeCanary(
      { ...snapshot, healthFailure: 'ejected after 3 failed health checks' },
      clock.nowMs(),
      margins,
    );
    expect(verdict).toEqual({
      verdict: 'fail',
      reason: 'canary unhealthy: ejected after 3 failed health checks',
    });
  });

  it('fails early on the error rate once the canary has minCanaryRequests, not before', async () => {
    await clock.advance(5_000);
    expect(
      judgeCanary(
        { ...snapshot, canary: sample(19, 19, 5), baseline: sample(200, 0, 200) },
        clock.nowMs(),
        margins,
      ).verdict,
    ).toBe('wait');
    const verdict = judgeCanary(
      { ...snapshot, canary: sample(20, 20, 5), baseline: sample(200, 0, 200) },
      clock.nowMs(),
      margins,
    );
    expect(verdict).toEqual({
      verdict: 'fail',
      reason:
        "canary error rate 100.0% (20/20) exceeds the old instances' 0.0% (0/200) by more than 1.0% (refresh.maxErrorRateIncrease)",
    });
  });

  it('compares error rates, not counts: the old instances failing as much is no reason to roll back', async () => {
    await clock.advance(60_000);
    expect(
      judgeCanary(
        { ...snapshot, canary: sample(100, 5, 200), baseline: sample(1000, 50, 200) },
        clock.nowMs(),
        margins,
      ).verdict,
    ).toBe('pass');
    expect(
      judgeCanary(
        { ...snapshot, canary: sample(100, 7, 200), baseline: sample(1000, 50, 200) },
        clock.nowMs(),
        margins,
      ).verdict,
    ).toBe('fail');
  });

  it('fails on p99 only at the end of the window, beyond percent plus slack', async () => {
    // limit = 200 * 1.5 + 25 = 325 ms
    const slow = { ...snapshot, canary: sample(40, 0, 326), baseline: sample(400, 0, 200) };
    await clock.advance(30_000);
    expect(judgeCanary(slow, clock.nowMs(), margins).verdict).toBe('wait');
    await clock.advance(30_000);
    expect(judgeCanary(slow, clock.nowMs(), margins)).toEqual({
      verdict: 'fail',
      reason:
        "canary p99 326 ms exceeds the old instances' 200 ms + 50% + 25 ms = 325 ms (refresh.maxP99IncreasePercent, refresh.p99SlackMs)",
    });
    expect(
      judgeCanary({ ...slow, canary: sample(40, 0, 325) }, clock.nowMs(), margins).verdict,
    ).toBe('pass');
  });

  it('passes on health alone, saying so, when too few requests reached the canary', async () => {
    await clock.advance(60_000);
    const verdict = judgeCanary({ ...snapshot, canary: sample(3, 3, 999) }, clock.nowMs(), margins);
    expect(verdict).toEqual({
      verdict: 'pass',
      why: 'healthy for 60.0s; judged on health checks alone: 3 request(s) < refresh.minCanaryRequests 20',
    });
  });
});

describe('p99', () => {
  it('is the nearest-rank 99th percentile', () => {
    expect(p99([])).toBeUndefined();
    expect(p99([7])).toBe(7);
    const hundred = Array.from({ length: 100 }, (_, index) => index + 1);
    expect(p99(hundred)).toBe(99);
    expect(p99([...hundred, 5000])).toBe(100);
  });
});

describe('planBatch', () => {
  const fleet = { oldRemaining: 4, healthy: 5, desired: 5, actual: 5, maxInstances: 10 };

  it('surges by the batch size while maxInstances leaves room, never beyond what is left or the room', () => {
    expect(planBatch(fleet, 2, 100)).toEqual({ kind: 'surge', count: 2 });
    expect(planBatch({ ...fleet, oldRemaining: 1 }, 2, 100)).toEqual({ kind: 'surge', count: 1 });
    expect(planBatch({ ...fleet, actual: 9 }, 3, 100)).toEqual({ kind: 'surge', count: 1 });
  });

  it('at maxInstances drains first only as far as minHealthyPercent allows', () => {
    const full = { ...fleet, actual: 10, maxInstances: 10, desired: 10, healthy: 10 };
    expect(planBatch(full, 3, 80)).toEqual({ kind: 'drain-first', count: 2 });
    expect(planBatch(full, 3, 100)).toMatchObject({
      kind: 'blocked',
      why: expect.stringContaining('below refresh.minHealthyPercent 100% of 10 (10)'),
    });
  });

  it('is done when no old instance is left', () => {
    expect(planBatch({ ...fleet, oldRemaining: 0 }, 1, 100)).toEqual({ kind: 'done' });
  });
});

describe('checkpoints in server metadata', () => {
  const checkpoint = {
    refreshId: '6575d2c0',
    step: 'canary' as const,
    fromImageId: 'a'.repeat(36),
    toImageId: 'b'.repeat(36),
    desired: 4,
  };

  it('round-trips and fits Nova metadata (255 characters)', () => {
    const text = formatCheckpoint(checkpoint);
    expect(text.length).toBeLessThanOrEqual(255);
    expect(parseCheckpoint(text)).toEqual(checkpoint);
    expect(parseCheckpoint(formatCheckpoint({ ...checkpoint, fromImageId: '' }))).toEqual({
      ...checkpoint,
      fromImageId: '',
    });
  });

  it('ignores values it did not write', () => {
    for (const value of [
      undefined,
      '',
      'x;canary;a;b;3',
      '6575d2c0;done;a;b;3',
      '6575d2c0;canary;a;;3',
      '6575d2c0;canary;a;b',
      '6575d2c0;canary;a;b;0',
      '6575d2c0;canary;a;b;3;c',
    ])
      expect(parseCheckpoint(value)).toBeUndefined();
  });

  it('ids sort in start order', () => {
    expect(
      newRefreshId(new Date('2026-12-07T19:00:00Z')) <
        newRefreshId(new Date('2026-12-07T19:00:01Z')),
    ).toBe(true);
    expect(newRefreshId(new Date('2026-12-07T19:00:00Z'))).toMatch(/^[0-9a-f]{8}$/);
  });

  const mark = (
    id: string,
    step: 'canary' | 'canary-passed' | 'batch',
    refreshId = '00000002',
    to = 'new',
  ) => ({
    id,
    metadata: {
      [REFRESH_METADATA_KEY]: formatCheckpoint({
        refreshId,
        step,
        fromImageId: 'old',
        toImageId: to,
        desired: 3,
      }),
    },
  });

  it('resumes nothing without marks, and reads the rejected images', () => {
    expect(
      resumePoint([
        { id: 's1', metadata: { [REFRESH_REJECTED_METADATA_KEY]: 'bad' } },
        { id: 's2', metadata: {} },
      ]),
    ).toEqual({ kind: 'none', rejectedImageIds: ['bad'] });
  });

  it('re-judges a canary that had not passed, from a fresh window', () => {
    expect(resumePoint([{ id: 'old1', metadata: {} }, mark('c1', 'canary')])).toMatchObject({
      kind: 'canary',
      canaryId: 'c1',
      checkpoint: { step: 'canary', toImageId: 'new' },
    });
  });

  it('rolls on once the canary passed or a batch exists', () => {
    expect(resumePoint([mark('c1', 'canary-passed')])).toMatchObject({
      kind: 'rolling',
      checkpoint: { toImageId: 'new' },
    });
    expect(resumePoint([mark('c1', 'canary'), mark('b1', 'batch')])).toMatchObject({
      kind: 'rolling',
    });
  });

  it('takes the newest refresh when a finished one left marks, and skips a rejected target', () => {
    const servers = [
      mark('n1', 'canary', '00000003', 'newest'),
      mark('b1', 'batch', '00000001', 'older'),
    ];
    expect(resumePoint(servers)).toMatchObject({
      kind: 'canary',
      canaryId: 'n1',
      checkpoint: { toImageId: 'newest' },
    });
    const rejected = [
      ...servers,
      { id: 'old', metadata: { [REFRESH_REJECTED_METADATA_KEY]: 'newest' } },
    ];
    expect(resumePoint(rejected)).toMatchObject({
      kind: 'rolling',
      checkpoint: { toImageId: 'older' },
    });
  });
});

describe('refresh states (pool/instance-lifecycle.ts)', () => {
  it('allows the rollout paths and refuses the rest', () => {
    expect(nextRefreshState('canary', 'rolling')).toBe('rolling');
    expect(nextRefreshState('canary', 'rolling-back')).toBe('rolling-back');
    expect(nextRefreshState('rolling', 'paused')).toBe('paused');
    expect(nextRefreshState('paused', 'rolling')).toBe('rolling');
    expect(nextRefreshState('rolling-back', 'rolled-back')).toBe('rolled-back');
    expect(() => nextRefreshState('rolled-back', 'rolling')).toThrow(
      'a refresh cannot go from rolled-back to rolling (allowed: nothing, it is final)',
    );
    expect(() => nextRefreshState('rolling', 'canary')).toThrow(
      'allowed: paused, completed, cancelled, rolling-back, interrupted',
    );
    expect(
      ['completed', 'cancelled', 'rolled-back', 'interrupted'].every((state) =>
        isFinalRefreshState(state as never),
      ),
    ).toBe(true);
  });
});
