/**
 * Waits until something a test collects (output lines, stream messages) shows up: the collector
 * calls `notify()` on each arrival and every waiter looks again; no polling, one deadline.
 */
export class ArrivalWaiter {
  private readonly waiters = new Set<() => void>();

  notify(): void {
    for (const wake of [...this.waiters]) wake();
  }

  /**
   * Resolves with the first value `find` returns that is not undefined. Throws `giveUp()`'s error
   * as soon as it returns one (the process exited), or `timedOut()`'s message at the deadline.
   */
  async until<T>(
    find: () => T | undefined,
    timeoutMs: number,
    timedOut: () => string,
    giveUp: () => Error | undefined = () => undefined,
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = find();
      if (found !== undefined) return found;
      const stop = giveUp();
      if (stop) throw stop;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(timedOut());
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          clearTimeout(timer);
          this.waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this.waiters.add(wake);
      });
    }
  }
}
