import { DelegateBackoff, handleWhen, retry } from 'cockatiel';

/**
 * The client's one retry policy, on cockatiel (its RetryPolicy decides whether to try again and
 * counts attempts; the plan's failure predicate and delays feed it), used by every request
 * (session) and every waiter (common/wait.ts).
 *
 * One gap is closed here: cockatiel 3.x sleeps between attempts on a plain timer that ignores
 * the AbortSignal (cockatiel 4 needs Node 22; this package supports Node 20). So cockatiel is
 * given a zero delay and the delay it would have slept is slept at the start of the next attempt,
 * on a timer the signal clears: an abort rejects at once and leaves no timer behind. (An unref'd
 * cockatiel timer is no answer: a CLI waiting between polls would simply exit.)
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
  let backoffMs = 0;
  const policy = retry(
    handleWhen((error) => !signal?.aborted && plan.shouldRetry(error)),
    {
      maxAttempts: plan.maxRetries,
      backoff: new DelegateBackoff((context) => {
        backoffMs =
          'error' in context.result ? plan.delayMs(context.result.error, context.attempt) : 0;
        return 0; // slept by the next attempt, abortably
      }),
    },
  );
  if (plan.onRetry) {
    const onRetry = plan.onRetry;
    policy.onRetry((event) => {
      if ('error' in event)
        onRetry({ retry: event.attempt, delayMs: backoffMs, error: event.error });
    });
  }
  const run = policy.execute(async (context) => {
    if (backoffMs > 0) await abortableDelay(backoffMs, signal, abortError);
    backoffMs = 0;
    if (signal?.aborted) throw abortError();
    return attempt(context.attempt);
  }, signal);
  return untilAborted(run, signal, abortError);
}

/** Resolves after `ms`, or rejects with `abortError()` as soon as `signal` fires (timer cleared). */
export function abortableDelay(
  ms: number,
  signal: AbortSignal | undefined,
  abortError: () => Error,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(abortError());
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
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
