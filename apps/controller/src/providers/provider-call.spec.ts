import { getEventListeners } from 'node:events';
import { callWithTimeout, ProviderCallTimeoutError } from './provider-call';

describe('callWithTimeout', () => {
  it('returns the result of a call that finishes in time', async () => {
    await expect(callWithTimeout('quick', 1_000, undefined, async () => 42)).resolves.toBe(42);
  });

  it('gives up on a call that ignores its signal, naming it and the setting', async () => {
    let sawAbort = false;
    const hanging = (signal: AbortSignal): Promise<never> => {
      signal.addEventListener('abort', () => (sawAbort = true));
      return new Promise<never>(() => undefined);
    };
    await expect(callWithTimeout('create service-auto-x', 100, undefined, hanging)).rejects.toThrow(
      new ProviderCallTimeoutError('create service-auto-x', 100),
    );
    expect(sawAbort).toBe(true);
  });

  it('stops at once when the outer signal aborts (shutdown)', async () => {
    const outer = new AbortController();
    const pending = callWithTimeout(
      'status',
      10_000,
      outer.signal,
      () => new Promise<never>(() => undefined),
    );
    outer.abort(new Error('shutting down'));
    await expect(pending).rejects.toThrow('shutting down');
  });

  it('leaves no listener behind on a long-lived outer signal (one per call would leak)', async () => {
    const outer = new AbortController();
    for (let n = 0; n < 50; n++)
      await callWithTimeout('status', 1_000, outer.signal, async () => n);
    expect(getEventListeners(outer.signal, 'abort')).toHaveLength(0);
  });
});
