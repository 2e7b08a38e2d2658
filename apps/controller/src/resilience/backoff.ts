import { Clock } from '../clock/clock';

/**
 * The controller's one retry/back-off policy (docs/architecture.md "Resilience"): exponential
 * delays (initial, doubling, capped), a back-off that remembers failures in a row, `retry` for
 * "try again after a delay until it works or we give up", and `poll` for "ask until the answer
 * is the one we wait for". Every wait goes through the injected Clock, so a manual clock drives
 * all of them in the unit specs.
 */
export class ExponentialDelay {
  constructor(
    readonly initialMs: number,
    readonly maxMs: number,
  ) {}

  /** The wait before attempt `failures + 1`, after `failures` (>= 1) failures in a row. */
  afterFailures(failures: number): number {
    return Math.min(this.initialMs * 2 ** (Math.max(failures, 1) - 1), this.maxMs);
  }
}

/** Exponential back-off after failures in a row: initial, doubling, capped; cleared by a success. */
export class FailureBackoff {
  private readonly delay: ExponentialDelay;
  private failuresInARow = 0;
  private notBeforeMs = 0;

  constructor(initialMs: number, maxMs: number) {
    this.delay = new ExponentialDelay(initialMs, maxMs);
  }

  /** Records a failure; returns how long the next attempt must wait. */
  failed(nowMs: number): number {
    this.failuresInARow++;
    const waitMs = this.delay.afterFailures(this.failuresInARow);
    this.notBeforeMs = nowMs + waitMs;
    return waitMs;
  }

  succeeded(): void {
    this.failuresInARow = 0;
    this.notBeforeMs = 0;
  }

  waitMs(nowMs: number): number {
    return Math.max(0, Math.round(this.notBeforeMs - nowMs));
  }

  get consecutiveFailures(): number {
    return this.failuresInARow;
  }

  /** The state the scaling decisions read (scaling-decisions.ts BackoffState). */
  state(): { failuresInARow: number; notBeforeMs: number } {
    return { failuresInARow: this.failuresInARow, notBeforeMs: this.notBeforeMs };
  }

  view(nowMs: number): { consecutiveFailures: number; nextAllowedInMs: number } {
    return { consecutiveFailures: this.failuresInARow, nextAllowedInMs: this.waitMs(nowMs) };
  }
}

export interface RetryOptions {
  readonly clock: Clock;
  /** The wait before the next attempt after `attempt` failed, or undefined to give up (the last error is thrown). */
  readonly delayMs: (attempt: number) => number | undefined;
  /** Aborting stops the waiting at once (the AbortError is thrown). */
  readonly signal?: AbortSignal;
  /** Called after each failed attempt that will be retried: one progress line per failure. */
  readonly onRetry?: (error: unknown, attempt: number, waitMs: number) => void;
}

/** Runs `work` until it succeeds, waiting `delayMs(attempt)` between attempts; a cancelled signal is never retried. */
export async function retry<T>(
  work: (attempt: number) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work(attempt);
    } catch (error) {
      if (options.signal?.aborted) throw error;
      const waitMs = options.delayMs(attempt);
      if (waitMs === undefined) throw error;
      options.onRetry?.(error, attempt, waitMs);
      await options.clock.sleep(waitMs, options.signal);
    }
  }
}

/** The answer a poll waits for, or why to stop at once. */
export type PollVerdict<T> =
  { readonly done: true; readonly value: T } | { readonly done: false; readonly seen: string };

export interface PollOptions {
  readonly clock: Clock;
  readonly signal?: AbortSignal;
  readonly timeoutMs: number;
  /** Smallest and largest interval: the interval is a quarter of the time already waited, between the two. */
  readonly minIntervalMs: number;
  readonly maxIntervalMs: number;
  /** Where the interval's "time already waited" counts from (a launch: the create call), default the poll's start. */
  readonly sinceMs?: number;
  /** A failed `ask` is retried until the deadline (a cloud API hiccup must not fail the wait on its own) unless this says it is fatal. */
  readonly isFatal: (error: unknown) => boolean;
  readonly onAskFailed?: (error: unknown) => void;
  /** Called every `progressIntervalMs` with what was seen last. */
  readonly progressIntervalMs: number;
  readonly onProgress?: (waitedMs: number, lastSeen: string) => void;
}

/** The wait ran out: what was seen last, and whether the last ask failed (not the thing waited for). */
export class PollTimeoutError extends Error {
  constructor(
    readonly timeoutMs: number,
    readonly lastSeen: string,
    readonly lastAskFailed: unknown,
  ) {
    super(`timed out after ${timeoutMs} ms; last seen: ${lastSeen}`);
    this.name = 'PollTimeoutError';
  }
}

/**
 * Asks until `judge` says done, with an adaptive interval: quick polls while the answer may come
 * any moment, few during a long wait, and never more than a quarter late. The one poller of the
 * controller (a launch's boot and address waits, and its watch for a dying server).
 */
export async function poll<S, T>(
  ask: (signal?: AbortSignal) => Promise<S>,
  judge: (answer: S) => PollVerdict<T>,
  options: PollOptions,
): Promise<T> {
  const { clock, signal } = options;
  const startedMs = clock.nowMs();
  const deadlineMs = startedMs + options.timeoutMs;
  let lastProgressMs = startedMs;
  let lastSeen = 'nothing yet';
  let lastAskFailed: unknown;
  for (;;) {
    try {
      const verdict = judge(await ask(signal));
      if (verdict.done) return verdict.value;
      lastSeen = verdict.seen;
      lastAskFailed = undefined;
    } catch (error) {
      if (signal?.aborted || options.isFatal(error)) throw error;
      lastAskFailed = error;
      lastSeen = `status call failed: ${(error as Error).message}`;
      options.onAskFailed?.(error);
    }
    const nowMs = clock.nowMs();
    if (nowMs >= deadlineMs) throw new PollTimeoutError(options.timeoutMs, lastSeen, lastAskFailed);
    if (nowMs - lastProgressMs >= options.progressIntervalMs) {
      lastProgressMs = nowMs;
      options.onProgress?.(nowMs - startedMs, lastSeen);
    }
    const intervalMs = Math.min(
      Math.max(Math.round((nowMs - (options.sinceMs ?? startedMs)) / 4), options.minIntervalMs),
      options.maxIntervalMs,
    );
    await clock.sleep(Math.min(intervalMs, Math.max(deadlineMs - nowMs, 1)), signal);
  }
}

/**
 * Runs `work` every `intervalMs` of Clock time until `signal` aborts (the controller's periodic
 * evaluations and polls). A failing round is reported and the next one runs as usual.
 */
export async function repeatEvery(
  clock: Clock,
  intervalMs: number,
  signal: AbortSignal,
  work: (signal: AbortSignal) => void | Promise<void>,
  onError: (error: unknown) => void,
): Promise<void> {
  while (!signal.aborted) {
    try {
      await clock.sleep(intervalMs, signal);
    } catch {
      return;
    }
    try {
      await work(signal);
    } catch (error) {
      if (signal.aborted) return;
      onError(error);
    }
  }
}
