/**
 * Progress lines: one when a step starts and ends (with its duration), and for every long wait a
 * line on each status change plus a heartbeat at least every `intervalMs` (elapsed, status, limit),
 * so a user watching a ten-minute apt install always sees the bake is alive and what it waits for.
 *
 *   bake-image [+  12.3s] ready: server service-vm-1 is BUILD (12.0s of 10m)
 */
import { formatDuration } from './bake-options';

export interface StepTiming {
  step: string;
  title: string;
  durationMs: number;
  outcome: 'done' | 'failed' | 'skipped';
}

export interface WaitTicker {
  /** Report the latest status; printed when it changes (and by the heartbeat otherwise). */
  update(status: string): void;
  stop(): void;
}

export class ProgressReporter {
  readonly timings: StepTiming[] = [];
  private readonly startedAt: number;

  constructor(
    private readonly write: (line: string) => void,
    private readonly intervalMs = 10_000,
    private readonly now: () => number = Date.now,
    /** The tool's name at the head of every line. */
    private readonly label = 'bake-image',
  ) {
    this.startedAt = now();
  }

  elapsedMs(): number {
    return this.now() - this.startedAt;
  }

  line(step: string, message: string): void {
    const elapsed = (this.elapsedMs() / 1000).toFixed(1).padStart(6);
    this.write(`${this.label} [+${elapsed}s] ${step}: ${message}`);
  }

  /** Runs one step: a start line, an end line with the duration, and a timing for the summary. */
  async step<T>(step: string, title: string, run: () => Promise<T>): Promise<T> {
    const started = this.now();
    this.line(step, `${title} ...`);
    try {
      const result = await run();
      const durationMs = this.now() - started;
      this.timings.push({ step, title, durationMs, outcome: 'done' });
      this.line(step, `done in ${formatDuration(durationMs)}`);
      return result;
    } catch (err) {
      const durationMs = this.now() - started;
      this.timings.push({ step, title, durationMs, outcome: 'failed' });
      this.line(step, `FAILED after ${formatDuration(durationMs)}`);
      throw err;
    }
  }

  skipped(step: string, title: string, reason: string): void {
    this.timings.push({ step, title, durationMs: 0, outcome: 'skipped' });
    this.line(step, `${title}: skipped (${reason})`);
  }

  /** A ticker for one long wait; always `stop()` it (use try/finally). */
  wait(step: string, what: string, timeoutMs: number): WaitTicker {
    const started = this.now();
    let status = 'polling';
    let lastPrinted = 0;
    const print = (): void => {
      lastPrinted = this.now();
      this.line(
        step,
        `${what}: ${status} (${formatDuration(lastPrinted - started)} of ${formatDuration(timeoutMs)})`,
      );
    };
    print();
    const heartbeat = setInterval(
      () => {
        if (this.now() - lastPrinted >= this.intervalMs - 50) print();
      },
      Math.max(50, Math.min(this.intervalMs, 1_000)),
    );
    heartbeat.unref();
    return {
      update: (next: string) => {
        if (next === status) return;
        status = next;
        print();
      },
      stop: () => clearInterval(heartbeat),
    };
  }
}
