import { DelegateBackoff, handleWhen, retry } from 'cockatiel';

/**
 * The client's one retry policy, on cockatiel (its RetryPolicy, backoff factory and failure
 * predicate), used by every request (session) and every waiter (common/wait.ts).
 *
 * One gap is closed here: cockatiel 3.x sleeps between attempts on a plain timer that ignores
 * the AbortSignal (the next attempt sees the signal, the sleep does not). So the whole run is
 * raced against the signal and the policy's timer is unref'd: an abort rejects at once, and the
 * stale timer only lets the policy find the aborted signal and stop without another attempt.
 * (cockatiel 4 needs Node 22; this package supports Node 20.)
 */
export interface RetryPlan {
  /** Attempts after the first one. `Infinity` for a poller bounded by its own deadline. */
  maxRetries: number;
  /** Whether this failure is worth another attempt. Anything else is thrown as is. */
  shouldRetry(error: Error): boolean;
  /** Delay before retry number `retry` (1-based) after `error`. */
  delayMs(error: Error, retry: number): number;
  /** Told before each back-off (for progress lines and events). */
  onRetry?(info: { retry: number; delayMs: number; error: Error }): void;
}

/** Runs `attempt(n)` (n from 0) until it succeeds, fails for good or `signal` fires (`abortError()`). */
export async function runWithRetries<T>(
  plan: RetryPlan,
  attempt: (attemptNo: number) => Promise<T>,
  signal: AbortSignal | undefined,
  abortError: () => Error,
): Promise<T> {
  if (signal?.aborted) throw abortError();
  const policy = retry(
    handleWhen((error) => !signal?.aborted && plan.shouldRetry(error)),
    {
      maxAttempts: plan.maxRetries,
      backoff: new DelegateBackoff((context) =>
        'error' in context.result ? plan.delayMs(context.result.error, context.attempt) : 0,
      ),
    },
  ).dangerouslyUnref();
  if (plan.onRetry) {
    const onRetry = plan.onRetry;
    policy.onRetry((event) => {
      if ('error' in event)
        onRetry({ retry: event.attempt, delayMs: event.delay, error: event.error });
    });
  }
  const run = policy.execute((context) => {
    if (signal?.aborted) throw abortError();
    return attempt(context.attempt);
  }, signal);
  return untilAborted(run, signal, abortError);
}

/**
 * Settles like `work`, or rejects with `abortError()` as soon as `signal` fires (for work this
 * caller does not own, e.g. an authentication shared with other callers: it goes on for them).
 */
export function untilAborted<T>(
  work: Promise<T>,
  signal: AbortSignal | undefined,
  abortError: () => Error,
): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) {
    work.catch(() => undefined); // settled later for nobody
    return Promise.reject(abortError());
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortError());
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
