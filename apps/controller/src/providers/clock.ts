import { setTimeout as sleepFor } from 'node:timers/promises';

/** Time as the control plane sees it; injectable so nothing reads Date.now() or sets timers behind DI's back. */
export interface Clock {
  /** Milliseconds on a monotonic clock (for elapsed times and deadlines). */
  nowMs(): number;
  /** Wall-clock time (for timestamps shown to people). */
  now(): Date;
  /** Resolves after `ms`; rejects with an AbortError as soon as `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
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
}
