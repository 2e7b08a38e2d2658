import { ManualClock } from '../../test-support/manual-clock';
import { FailureBackoff, poll, PollTimeoutError, repeatEvery, retry } from './backoff';

describe('FailureBackoff', () => {
  it('doubles per failure in a row up to the cap, and a success clears it', () => {
    const backoff = new FailureBackoff(1_000, 5_000);
    expect(backoff.waitMs(0)).toBe(0);
    expect([backoff.failed(0), backoff.failed(0), backoff.failed(0), backoff.failed(0)]).toEqual([
      1_000, 2_000, 4_000, 5_000,
    ]);
    expect(backoff.view(1_000)).toEqual({ consecutiveFailures: 4, nextAllowedInMs: 4_000 });
    backoff.succeeded();
    expect(backoff.view(1_000)).toEqual({ consecutiveFailures: 0, nextAllowedInMs: 0 });
    expect(backoff.failed(10_000)).toBe(1_000);
  });
});

describe('retry', () => {
  it('waits delayMs(attempt) on the clock between attempts and gives up when it says so', async () => {
    const clock = new ManualClock();
    const attemptsAtMs: number[] = [];
    const retried: string[] = [];
    let outcome: unknown;
    void retry(
      async () => {
        attemptsAtMs.push(clock.nowMs());
        throw new Error(`boom ${attemptsAtMs.length}`);
      },
      {
        clock,
        delayMs: (attempt) => (attempt < 3 ? 1_000 * attempt : undefined),
        onRetry: (_error, attempt, waitMs) => retried.push(`${attempt}:${waitMs}`),
      },
    ).catch((error: Error) => (outcome = error.message));
    await clock.advance(10_000);
    expect(attemptsAtMs).toEqual([0, 1_000, 3_000]);
    expect(retried).toEqual(['1:1000', '2:2000']);
    expect(outcome).toBe('boom 3');
  });
});

describe('poll', () => {
  it('asks with a growing interval until the verdict is done, and times out on the clock saying what it saw last', async () => {
    const clock = new ManualClock();
    const askedAtMs: number[] = [];
    let outcome: unknown;
    void poll(
      async () => askedAtMs.push(clock.nowMs()),
      () => ({ done: false, seen: 'BUILD' }),
      {
        clock,
        timeoutMs: 10_000,
        minIntervalMs: 500,
        maxIntervalMs: 2_000,
        isFatal: () => false,
        progressIntervalMs: Number.POSITIVE_INFINITY,
      },
    ).catch((error: unknown) => (outcome = error));
    await clock.advance(20_000);
    expect(outcome).toBeInstanceOf(PollTimeoutError);
    expect((outcome as PollTimeoutError).lastSeen).toBe('BUILD');
    const intervals = askedAtMs.slice(1).map((atMs, index) => atMs - askedAtMs[index]);
    expect(intervals.slice(0, 3)).toEqual([500, 500, 500]);
    expect(Math.max(...intervals)).toBeGreaterThan(1_000); // grows with the time waited...
    expect(Math.max(...intervals)).toBeLessThanOrEqual(2_000); // ...up to maxIntervalMs
    expect(askedAtMs.at(-1)).toBe(10_000);
  });
});

describe('poll from the moment of the create (scaling.fastAdmission)', () => {
  it('asks at once, then short intervals counted from `sinceMs`, backing off as the wait since then grows', async () => {
    const clock = new ManualClock();
    await clock.advance(1_000);
    const createdMs = clock.nowMs();
    await clock.advance(2_000); // the create call took 2 s: the first poll is already "late"
    const askedAtMs: number[] = [];
    let outcome: unknown;
    void poll(
      async () => askedAtMs.push(clock.nowMs() - createdMs),
      () => ({ done: false, seen: 'BUILD' }),
      {
        clock,
        timeoutMs: 6_000,
        minIntervalMs: 100,
        maxIntervalMs: 5_000,
        sinceMs: createdMs,
        isFatal: () => false,
        progressIntervalMs: Number.POSITIVE_INFINITY,
      },
    ).catch((error: unknown) => (outcome = error));
    await clock.advance(10_000);
    expect(outcome).toBeInstanceOf(PollTimeoutError);
    // No fixed first wait; then a quarter of the time since the create (2000/4 = 500, 2500/4 = 625, ...).
    expect(askedAtMs.slice(0, 4)).toEqual([2_000, 2_500, 3_125, 3_906]);
  });
});

describe('repeatEvery', () => {
  it('runs every interval of clock time, survives a failing round, and stops on abort', async () => {
    const clock = new ManualClock();
    const stop = new AbortController();
    const roundsAtMs: number[] = [];
    const errors: string[] = [];
    const loop = repeatEvery(
      clock,
      1_000,
      stop.signal,
      () => {
        roundsAtMs.push(clock.nowMs());
        if (roundsAtMs.length === 2) throw new Error('round 2 failed');
      },
      (error) => errors.push((error as Error).message),
    );
    await clock.advance(3_500);
    stop.abort();
    await loop;
    expect(roundsAtMs).toEqual([1_000, 2_000, 3_000]);
    expect(errors).toEqual(['round 2 failed']);
    expect(clock.pendingTimers).toBe(0);
  });
});
