import { ManualClock } from '../../test-support/manual-clock';
import { Clock, SystemClock } from '../clock/clock';
import { TrafficDecision } from '../seams/traffic-director';
import { AdmissionQueue, AdmissionQueueLimits } from './admission-queue';

/** Collects what the queue logs (a LoggerService), to assert one line per episode, not per request. */
class LinesLogger {
  readonly lines: string[] = [];
  log(message: string): void {
    this.lines.push(`log: ${message}`);
  }
  warn(message: string): void {
    this.lines.push(`warn: ${message}`);
  }
  error(message: string): void {
    this.lines.push(`error: ${message}`);
  }
}

const FORWARD: TrafficDecision = {
  kind: 'forward',
  backend: { id: 'b', host: '127.0.10.2', port: 5000 },
};

function queueWith(
  limits: Partial<AdmissionQueueLimits> = {},
  clock: Clock = new SystemClock(),
): { queue: AdmissionQueue; logger: LinesLogger } {
  const logger = new LinesLogger();
  const queue = new AdmissionQueue(
    {
      maxRequests: 3,
      maxWaitMs: 10_000,
      retryAfterSeconds: 2,
      progressLogIntervalMs: 10_000,
      ...limits,
    },
    clock,
    logger,
  );
  return { queue, logger };
}

function decisionOf(decision: TrafficDecision): Promise<TrafficDecision> {
  if (decision.kind !== 'queue') throw new Error(`expected a queue decision, got ${decision.kind}`);
  return decision.decision;
}

describe('AdmissionQueue (duringScaleOut: queue)', () => {
  it('holds up to maxRequests, refuses the next at once with Retry-After, and releases oldest first', async () => {
    const { queue, logger } = queueWith();
    const held = [queue.hold(), queue.hold(), queue.hold()].map(decisionOf);
    const refused = queue.hold();
    expect(refused).toEqual({
      kind: 'reject',
      retryAfterSeconds: 2,
      reason: expect.stringContaining('3 requests already waiting (traffic.queueMaxRequests)'),
    });
    expect(queue.length).toBe(3);

    // Only two can go now (say, the instance's budget): the oldest two, in order.
    let budget = 2;
    const order: number[] = [];
    held.forEach((pending, index) => void pending.then(() => order.push(index)));
    expect(queue.release(() => (budget-- > 0 ? FORWARD : undefined))).toBe(2);
    await Promise.resolve();
    expect(order).toEqual([0, 1]);
    expect(queue.length).toBe(1);
    expect(queue.release(() => FORWARD)).toBe(1);
    await expect(Promise.all(held)).resolves.toEqual([FORWARD, FORWARD, FORWARD]);
    expect(queue.counters).toEqual({
      held: 3,
      released: 3,
      refusedQueueFull: 1,
      refusedWaitedTooLong: 0,
      refusedShuttingDown: 0,
      leftWhileHeld: 0,
    });
    expect(logger.lines).toEqual([
      expect.stringMatching(
        /^warn: no healthy instance: holding requests .*at most 3, each at most 10\.0s/,
      ),
      expect.stringMatching(
        /^log: request queue empty after \d+\.\ds: 3 held, 3 released to an instance, 1 answered 503$/,
      ),
    ]);
  });

  it('answers 503 after maxWaitMs of clock time, each request after its own wait (timers go through the Clock)', async () => {
    const clock = new ManualClock();
    const { queue } = queueWith({ maxWaitMs: 300 }, clock);
    const answered: string[] = [];
    const first = decisionOf(queue.hold());
    void first.then(() => answered.push('first'));
    await clock.advance(150);
    const second = decisionOf(queue.hold());
    void second.then(() => answered.push('second'));
    await clock.advance(149);
    expect(answered).toEqual([]); // 299 ms: nobody has waited 300 ms yet
    await clock.advance(1);
    expect(answered).toEqual(['first']);
    await expect(first).resolves.toEqual({
      kind: 'reject',
      retryAfterSeconds: 2,
      reason: expect.stringContaining(
        'no instance became healthy within 0.3s (traffic.queueMaxWaitMs)',
      ),
    });
    expect(queue.length).toBe(1); // the second has waited only half its time
    await clock.advance(149);
    expect(answered).toEqual(['first']);
    await clock.advance(1);
    await expect(second).resolves.toMatchObject({ kind: 'reject' });
    expect(answered).toEqual(['first', 'second']);
    expect(queue.counters.refusedWaitedTooLong).toBe(2);
    expect(queue.length).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });

  it('gives the place of a withdrawn request (its client left) to the next one, and skips it on release', async () => {
    const { queue, logger } = queueWith();
    const decisions = [queue.hold(), queue.hold(), queue.hold()];
    const [first, second, third] = decisions.map((decision) => {
      if (decision.kind !== 'queue')
        throw new Error(`expected a queue decision, got ${decision.kind}`);
      return decision;
    });
    second.withdraw();
    second.withdraw(); // idempotent
    await expect(second.decision).resolves.toMatchObject({
      kind: 'reject',
      reason: expect.stringContaining('the client left while waiting'),
    });
    expect(queue.length).toBe(2);
    const fourth = decisionOf(queue.hold()); // the freed place, not a "queue full" refusal
    expect(queue.length).toBe(3);
    first.withdraw(); // the oldest leaves: the next oldest is at the head
    const releasedTo: number[] = [];
    let n = 0;
    expect(queue.release(() => (releasedTo.push(++n), FORWARD))).toBe(2);
    await expect(Promise.all([third.decision, fourth])).resolves.toEqual([FORWARD, FORWARD]);
    third.withdraw(); // after its release: a no-op
    expect(queue.counters).toEqual({
      held: 4,
      released: 2,
      refusedQueueFull: 0,
      refusedWaitedTooLong: 0,
      refusedShuttingDown: 0,
      leftWhileHeld: 2,
    });
    expect(logger.lines.at(-1)).toMatch(
      /^log: request queue empty after \d+\.\ds: 4 held, 2 released to an instance, 0 answered 503, 2 client\(s\) left while waiting$/,
    );
  });

  it('expires the oldest remaining request on time after the one before it withdrew', async () => {
    const clock = new ManualClock();
    const { queue } = queueWith({ maxWaitMs: 300 }, clock);
    const first = queue.hold();
    await clock.advance(100);
    const second = decisionOf(queue.hold());
    let secondAnswered = false;
    void second.then(() => (secondAnswered = true));
    if (first.kind !== 'queue') throw new Error('expected a queue decision');
    first.withdraw();
    await clock.advance(299);
    expect(secondAnswered).toBe(false); // its own wait (held at 100, due at 400), not the withdrawn one's
    await clock.advance(1);
    await expect(second).resolves.toMatchObject({
      kind: 'reject',
      reason: expect.stringContaining('traffic.queueMaxWaitMs'),
    });
    expect(queue.counters).toMatchObject({ refusedWaitedTooLong: 1, leftWhileHeld: 1 });
    expect(queue.length).toBe(0);
  });

  it('on close refuses every held request and every new one', async () => {
    const { queue } = queueWith();
    const held = decisionOf(queue.hold());
    queue.close();
    await expect(held).resolves.toMatchObject({
      kind: 'reject',
      reason: expect.stringContaining('shutting down'),
    });
    expect(queue.hold()).toMatchObject({
      kind: 'reject',
      reason: expect.stringContaining('shutting down'),
    });
    expect(queue.counters.refusedShuttingDown).toBe(2);
  });
});
