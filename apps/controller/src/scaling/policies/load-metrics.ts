/**
 * Sliding-window load measurements for target tracking. Time is passed in (monotonic ms), so the
 * arithmetic is plain and testable; the caller owns the clock.
 */

/** Requests counted in fixed buckets over a ring as long as the longest window asked for. */
export class RequestRateMeter {
  private readonly counts: number[];
  private readonly bucketIds: number[];

  constructor(
    private readonly bucketMs: number,
    maxWindowMs: number,
    private readonly startedMs: number,
  ) {
    const size = Math.ceil(maxWindowMs / bucketMs) + 1;
    this.counts = new Array<number>(size).fill(0);
    this.bucketIds = new Array<number>(size).fill(-1);
  }

  /** One request at `nowMs`. Constant time: it runs once per client request. */
  record(nowMs: number): void {
    const bucket = Math.floor(nowMs / this.bucketMs);
    const slot = bucket % this.counts.length;
    if (this.bucketIds[slot] !== bucket) {
      this.bucketIds[slot] = bucket;
      this.counts[slot] = 0;
    }
    this.counts[slot]++;
  }

  /**
   * Requests per second over the last `windowMs` (or since the meter started, when that is
   * shorter, so a young meter is not diluted by time it did not see).
   */
  perSecond(nowMs: number, windowMs: number): number {
    const current = Math.floor(nowMs / this.bucketMs);
    const bucketsInWindow = Math.min(Math.ceil(windowMs / this.bucketMs), this.counts.length - 1);
    let total = 0;
    for (let slot = 0; slot < this.counts.length; slot++) {
      const id = this.bucketIds[slot];
      if (id > current - bucketsInWindow && id <= current) total += this.counts[slot];
    }
    const coveredMs = Math.max(this.bucketMs, Math.min(windowMs, nowMs - this.startedMs));
    return (total * 1000) / coveredMs;
  }
}

/** A value sampled at regular moments (requests in flight), averaged over a window. */
export class SampledGauge {
  private readonly samples: Array<{ atMs: number; value: number }> = [];

  constructor(private readonly maxWindowMs: number) {}

  sample(nowMs: number, value: number): void {
    this.samples.push({ atMs: nowMs, value });
    while (this.samples.length > 0 && this.samples[0].atMs <= nowMs - this.maxWindowMs)
      this.samples.shift();
  }

  /** Mean of the samples taken in the last `windowMs`; 0 without any. */
  average(nowMs: number, windowMs: number): number {
    let sum = 0;
    let count = 0;
    for (const sample of this.samples) {
      if (sample.atMs > nowMs - windowMs && sample.atMs <= nowMs) {
        sum += sample.value;
        count++;
      }
    }
    return count === 0 ? 0 : sum / count;
  }
}
