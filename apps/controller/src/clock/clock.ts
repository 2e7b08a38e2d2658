import { setTimeout as sleepFor } from 'node:timers/promises';

/** Cancels a timer set with `Clock.setTimer` (idempotent; a no-op once it has fired). */
export type CancelTimer = () => void;

/**
 * Time as the control plane sees it; injectable so nothing reads Date.now() or sets timers behind
 * DI's back. Every delay in the control plane goes through one of `sleep`, `setTimer` or `defer`,
 * so a test can drive all of them with a manual clock (test-support/manual-clock.ts).
 */
export interface Clock {
  /** Milliseconds on a monotonic clock (for elapsed times and deadlines). */
  nowMs(): number;
  /** Wall-clock time (for timestamps shown to people). */
  now(): Date;
  /** Resolves after `ms`; rejects with an AbortError as soon as `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Calls `callback` once after `ms` unless cancelled first. Never keeps the process alive on its own. */
  setTimer(ms: number, callback: () => void): CancelTimer;
  /**
   * Calls `callback` on a later turn of the event loop (after the current I/O callbacks): how the
   * data path hands work to the control plane without running it inside a request handler.
   */
  defer(callback: () => void): void;
}

export const CLOCK = Symbol('CLOCK');

export class SystemClock implements Clock {
  nowMs(): number {
    return performance.now();
  }

  now(): Date {
    return new Date();
  }

  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    await sleepFor(ms, undefined, { signal });
  }

  setTimer(ms: number, callback: () => void): CancelTimer {
    const timer = setTimeout(callback, ms);
    timer.unref();
    return () => clearTimeout(timer);
  }

  defer(callback: () => void): void {
    setImmediate(callback);
  }
}

/**
 * Calls `callback` every `ms` on `clock` until the returned function is called. The next call is
 * set only after this one returns, so calls never overlap and a manual clock can drive them.
 */
export function setRepeatingTimer(clock: Clock, ms: number, callback: () => void): CancelTimer {
  let cancelled = false;
  let cancelCurrent: CancelTimer = () => undefined;
  const arm = (): void => {
    cancelCurrent = clock.setTimer(ms, () => {
      if (cancelled) return;
      try {
        callback();
      } finally {
        if (!cancelled) arm();
      }
    });
  };
  arm();
  return () => {
    cancelled = true;
    cancelCurrent();
  };
}
