import { TaskCancelledError, timeout, TimeoutStrategy } from 'cockatiel';

/** A provider call did not finish in time. */
export class ProviderCallTimeoutError extends Error {
  constructor(what: string, timeoutMs: number) {
    super(`${what} did not answer within ${timeoutMs} ms (scaling.providerCallTimeoutMs)`);
    this.name = 'ProviderCallTimeoutError';
  }
}

/**
 * Runs one provider call with its own deadline (cockatiel's timeout policy), also cancelled by
 * `outer`. The deadline travels in the signal given to the call, down to the OpenStack client,
 * which destroys its HTTP request when it fires; the signal's reason says why (the caller's
 * reason, or ProviderCallTimeoutError). The aggressive strategy also settles the caller at the
 * deadline when a call ignores its signal, so the caller is never stuck.
 */
export async function callWithTimeout<T>(
  what: string,
  timeoutMs: number,
  outer: AbortSignal | undefined,
  call: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const deadline = timeout(timeoutMs, TimeoutStrategy.Aggressive);
  try {
    return await deadline.execute(
      ({ signal }) =>
        call(
          withReason(signal, () =>
            outer?.aborted ? outer.reason : new ProviderCallTimeoutError(what, timeoutMs),
          ),
        ),
      outer,
    );
  } catch (error) {
    if (outer?.aborted) throw outer.reason;
    if (error instanceof TaskCancelledError) throw new ProviderCallTimeoutError(what, timeoutMs);
    throw error;
  }
}

/** cockatiel aborts its signal without a reason; the call's own signal carries ours. */
function withReason(signal: AbortSignal, reason: () => unknown): AbortSignal {
  const controller = new AbortController();
  if (signal.aborted) controller.abort(reason());
  else signal.addEventListener('abort', () => controller.abort(reason()), { once: true });
  return controller.signal;
}
