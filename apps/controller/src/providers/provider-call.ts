/** A provider call did not finish in time. */
export class ProviderCallTimeoutError extends Error {
  constructor(what: string, timeoutMs: number) {
    super(`${what} did not answer within ${timeoutMs} ms (scaling.providerCallTimeoutMs)`);
    this.name = 'ProviderCallTimeoutError';
  }
}

/**
 * Runs one provider call with its own deadline, also cancelled by `outer`. The race guards
 * against an implementation that ignores its signal: the caller is never stuck.
 */
export async function callWithTimeout<T>(
  what: string,
  timeoutMs: number,
  outer: AbortSignal | undefined,
  call: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const deadline = new AbortController();
  const signal = outer ? AbortSignal.any([outer, deadline.signal]) : deadline.signal;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      const error = new ProviderCallTimeoutError(what, timeoutMs);
      deadline.abort(error);
      reject(error);
    }, timeoutMs);
  });
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_resolve, reject) => {
    if (outer?.aborted) reject(outer.reason);
    onAbort = (): void => reject(outer?.reason);
    outer?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([call(signal), timedOut, aborted]);
  } finally {
    clearTimeout(timer);
    // A long-lived outer signal (a loop's stop signal) must not collect one listener per call.
    if (onAbort) outer?.removeEventListener('abort', onAbort);
  }
}
