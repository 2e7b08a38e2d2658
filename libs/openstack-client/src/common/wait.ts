import { InvalidArgumentError, WaitAbortedError, WaitTimeoutError } from './errors';
import { runWithRetries } from './resilience';

/** Options every waiter takes (openstacksdk's wait_for_status, with a failure set and a signal). */
export interface WaitOptions<TResource> {
  /** Give up (WaitTimeoutError) after this long. Required: every long wait has a bound. */
  timeoutMs: number;
  /** First poll interval; polls back off from here to `maxIntervalMs`. Default 500 ms. */
  intervalMs?: number;
  /** Cap for the backed-off poll interval. Default 5000 ms. */
  maxIntervalMs?: number;
  /** Multiplier applied to the interval after each poll. Default 1.5. */
  backoffFactor?: number;
  /**
   * Abort the wait when this fires: it rejects at once with WaitAbortedError, whether it is
   * sleeping between polls or in the middle of a poll (that HTTP request is destroyed).
   */
  signal?: AbortSignal;
  /** Called after every poll with what was seen. */
  onProgress?: (progress: WaitProgress<TResource>) => void;
}

export interface WaitProgress<TResource> {
  resource: string;
  id: string;
  /** Status seen on this poll (`DELETED` when the resource is gone in a delete wait). */
  status: string;
  attempt: number;
  elapsedMs: number;
  /** The resource as read on this poll (undefined once it is gone). */
  current: TResource | undefined;
}

export interface WaitForStatusOptions<
  TResource,
  TStatus extends string,
> extends WaitOptions<TResource> {
  /** Status to reach, or several acceptable ones. */
  target: TStatus | readonly TStatus[];
  /** Statuses that end the wait at once with a failure. Each resource has a sensible default. */
  failOn?: readonly TStatus[];
}

export const DEFAULT_POLL_INTERVAL_MS = 500;
export const DEFAULT_MAX_POLL_INTERVAL_MS = 5_000;
export const DEFAULT_BACKOFF_FACTOR = 1.5;

/** What one poll decided. A failure is thrown by `decide` itself (ServerFaultError, ResourceGoneError, ...). */
export type PollDecision<TResult> = { done: true; value: TResult } | { done: false };

export interface PollSpec<TResource, TResult> {
  resource: string;
  id: string;
  /** Words for messages, e.g. "ACTIVE" or "deleted". */
  targetLabel: string;
  /** Reads the resource; undefined means it is gone (404). Passes `signal` on to the request. */
  fetch(signal: AbortSignal | undefined): Promise<TResource | undefined>;
  statusOf(current: TResource | undefined): string;
  decide(current: TResource | undefined): PollDecision<TResult>;
}

/** "Not there yet": the poll the retry policy repeats. */
class NotYet extends Error {}

/**
 * Adaptive polling on the client's one retry policy (common/resilience.ts): the first poll is
 * immediate, then the interval grows from `intervalMs` by `backoffFactor` up to `maxIntervalMs`
 * (quick for fast transitions, gentle on long ones), never sleeping past the deadline. Ends with
 * the result, a failure from `decide`, WaitTimeoutError or WaitAbortedError.
 */
export async function pollUntil<TResource, TResult>(
  spec: PollSpec<TResource, TResult>,
  options: WaitOptions<TResource>,
): Promise<TResult> {
  const timeoutMs = requirePositive(options.timeoutMs, 'timeoutMs');
  const intervalMs = requirePositive(options.intervalMs ?? DEFAULT_POLL_INTERVAL_MS, 'intervalMs');
  const maxIntervalMs = Math.max(
    intervalMs,
    requirePositive(options.maxIntervalMs ?? DEFAULT_MAX_POLL_INTERVAL_MS, 'maxIntervalMs'),
  );
  const factor = options.backoffFactor ?? DEFAULT_BACKOFF_FACTOR;
  if (!(factor >= 1))
    throw new InvalidArgumentError(
      'wait.backoffFactor',
      `${factor} is not allowed`,
      'allowed: a number >= 1',
    );
  const signal = options.signal;
  const started = Date.now();
  const remainingMs = (): number => timeoutMs - (Date.now() - started);
  let lastStatus: string | undefined;
  const aborted = (): WaitAbortedError =>
    new WaitAbortedError(spec.resource, spec.id, spec.targetLabel, lastStatus, signal?.reason);

  const poll = async (attemptNo: number): Promise<TResult> => {
    const current = await spec.fetch(signal);
    lastStatus = spec.statusOf(current);
    options.onProgress?.({
      resource: spec.resource,
      id: spec.id,
      status: lastStatus,
      attempt: attemptNo + 1,
      elapsedMs: Date.now() - started,
      current,
    });
    const decision = spec.decide(current);
    if (decision.done) return decision.value;
    if (remainingMs() <= 0)
      throw new WaitTimeoutError(spec.resource, spec.id, spec.targetLabel, lastStatus, timeoutMs);
    throw new NotYet();
  };
  return runWithRetries(
    {
      maxRetries: Number.POSITIVE_INFINITY,
      shouldRetry: (error) => error instanceof NotYet,
      delayMs: (_error, retryNo) =>
        Math.max(
          1,
          Math.min(maxIntervalMs, Math.round(intervalMs * factor ** (retryNo - 1)), remainingMs()),
        ),
    },
    poll,
    signal,
    aborted,
  ).catch((error: unknown) => {
    // A request cut short by our signal surfaces as the wait's own abort.
    if (signal?.aborted && !(error instanceof WaitAbortedError)) throw aborted();
    throw error;
  });
}

function requirePositive(value: number, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new InvalidArgumentError(
      `wait.${name}`,
      `${String(value)} is not allowed`,
      'allowed: a positive number of milliseconds',
    );
  }
  return value;
}
