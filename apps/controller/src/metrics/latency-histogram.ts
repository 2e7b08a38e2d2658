/** Upper bounds (seconds) for request latencies: 1 ms to 60 s. */
export const LATENCY_BUCKETS_SECONDS: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * A fixed-bucket latency histogram that costs one short loop and three additions per
 * observation (no allocation), so the data path can record every request; `/metrics` reads it
 * at scrape time. Counts are per bucket (not cumulative) until `cumulative()` is asked.
 */
export class LatencyHistogram {
  private readonly counts: number[];
  private sumSeconds = 0;
  private total = 0;

  constructor(readonly boundsSeconds: readonly number[] = LATENCY_BUCKETS_SECONDS) {
    this.counts = new Array<number>(boundsSeconds.length + 1).fill(0);
  }

  observeMs(durationMs: number): void {
    const seconds = durationMs / 1000;
    const bounds = this.boundsSeconds;
    let index = 0;
    while (index < bounds.length && seconds > bounds[index]) index++;
    this.counts[index]++;
    this.sumSeconds += seconds;
    this.total++;
  }

  get count(): number {
    return this.total;
  }

  get sum(): number {
    return this.sumSeconds;
  }

  /** Observations at or below each bound, then the total (`+Inf`). */
  cumulative(): number[] {
    let running = 0;
    return this.counts.map((count) => (running += count));
  }
}
