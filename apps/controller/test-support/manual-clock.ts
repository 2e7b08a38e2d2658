import { CancelTimer, Clock } from '../src/clock/clock';

interface PendingTimer {
  readonly dueMs: number;
  readonly order: number;
  readonly fire: () => void;
  cancelled: boolean;
}

/**
 * A Clock that moves only when a test says so: `advance(ms)` fires every sleep and timer that
 * falls due, in due order, letting promise continuations run between them; `runDeferred()` runs
 * what was handed over with `defer`. No real timer is ever set, so specs run in milliseconds.
 */
export class ManualClock implements Clock {
  private currentMs = 0;
  private readonly startedAt = Date.parse('2026-01-01T00:00:00.000Z');
  private readonly timers: PendingTimer[] = [];
  private readonly deferred: Array<() => void> = [];
  private order = 0;

  nowMs(): number {
    return this.currentMs;
  }

  now(): Date {
    return new Date(this.startedAt + this.currentMs);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(abortError());
      const onAbort = (): void => {
        cancel();
        reject(abortError());
      };
      const cancel = this.setTimer(ms, () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  setTimer(ms: number, callback: () => void): CancelTimer {
    const timer: PendingTimer = {
      dueMs: this.currentMs + Math.max(0, ms),
      order: this.order++,
      fire: callback,
      cancelled: false,
    };
    this.timers.push(timer);
    return () => {
      timer.cancelled = true;
    };
  }

  defer(callback: () => void): void {
    this.deferred.push(callback);
  }

  /** Timers and sleeps not yet fired or cancelled. */
  get pendingTimers(): number {
    return this.timers.filter((timer) => !timer.cancelled).length;
  }

  /** Work handed over with `defer` and not run yet. */
  get pendingDeferred(): number {
    return this.deferred.length;
  }

  /** Runs every deferred callback (and those they defer in turn), then lets promises settle. */
  async runDeferred(): Promise<void> {
    await settle();
    while (this.deferred.length > 0) {
      this.deferred.shift()?.();
      await settle();
    }
  }

  /** Moves time forward by `ms`, firing due timers in order and letting async work run between them. */
  async advance(ms: number): Promise<void> {
    const targetMs = this.currentMs + ms;
    await this.runDeferred();
    for (;;) {
      const next = this.nextDue();
      if (!next || next.dueMs > targetMs) break;
      this.currentMs = Math.max(this.currentMs, next.dueMs);
      this.timers.splice(this.timers.indexOf(next), 1);
      next.fire();
      await this.runDeferred();
    }
    this.currentMs = targetMs;
    await this.runDeferred();
  }

  /** Advances in `stepMs` steps until `done()` holds, at most `limitMs` of clock time; throws if it never does. */
  async advanceUntil(done: () => boolean, limitMs: number, stepMs = 100): Promise<void> {
    for (let spentMs = 0; !done(); spentMs += stepMs) {
      if (spentMs > limitMs)
        throw new Error(`condition not reached within ${limitMs} ms of clock time`);
      await this.advance(stepMs);
    }
  }

  private nextDue(): PendingTimer | undefined {
    let next: PendingTimer | undefined;
    for (const timer of this.timers) {
      if (timer.cancelled) continue;
      if (
        !next ||
        timer.dueMs < next.dueMs ||
        (timer.dueMs === next.dueMs && timer.order < next.order)
      )
        next = timer;
    }
    // Drop cancelled ones so the list stays short.
    for (let index = this.timers.length - 1; index >= 0; index--)
      if (this.timers[index].cancelled) this.timers.splice(index, 1);
    return next;
  }
}

function abortError(): Error {
  const error = new Error('The operation was aborted');
  error.name = 'AbortError';
  return error;
}

/** Lets pending promise continuations (and the I/O they may await on loopback) run. */
async function settle(): Promise<void> {
  for (let turn = 0; turn < 20; turn++) await Promise.resolve();
  await new Promise<void>((resolve) => setImmediate(resolve));
}
