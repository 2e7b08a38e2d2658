import { CleanupStack, formatCleanupReport } from './cleanup-stack';

describe('CleanupStack', () => {
  it('undoes newest first, skips released entries, and reports each outcome', async () => {
    const stack = new CleanupStack();
    const order: string[] = [];
    stack.register({ resource: 'network n', undo: async () => (order.push('network'), 'removed') });
    const kept = stack.register({
      resource: 'image i',
      undo: async () => (order.push('image'), 'removed'),
    });
    stack.register({ resource: 'server s', undo: async () => (order.push('server'), 'removed') });
    kept.release();
    expect(stack.pending()).toEqual(['network n', 'server s']);
    const report = await stack.unwind();
    expect(order).toEqual(['server', 'network']);
    expect(formatCleanupReport(report)).toEqual(['removed server s', 'removed network n']);
    // Idempotent: a second unwind (e.g. failure path + signal) returns the same report, undoes nothing again.
    expect(await stack.unwind()).toBe(report);
    expect(order).toEqual(['server', 'network']);
  });

  it('keeps going after a failed undo and says what is left to remove by hand', async () => {
    const stack = new CleanupStack();
    stack.register({ resource: 'image a', undo: async () => 'removed' });
    stack.register({
      resource: 'server b',
      undo: async () => Promise.reject(new Error('503 from compute [req-1]')),
    });
    const report = await stack.unwind();
    expect(formatCleanupReport(report)).toEqual([
      'removed image a',
      'FAILED to clean up server b: 503 from compute [req-1] (remove it by hand)',
    ]);
  });

  it('bounds an undo that hangs', async () => {
    const stack = new CleanupStack({ undoTimeoutMs: 50 });
    stack.register({ resource: 'server slow', undo: () => new Promise<string>(() => undefined) });
    const report = await stack.unwind();
    expect(report.failed).toEqual([
      { resource: 'server slow', error: 'undo server slow: gave up after 50 ms' },
    ]);
  });

  it('waits for a create that is in flight when the unwind starts, then undoes it', async () => {
    const stack = new CleanupStack();
    let answer!: (id: string) => void;
    const creating = new Promise<string>((resolve) => (answer = resolve));
    const removed: string[] = [];
    const adopted = stack.adopt(creating, (id) => ({
      resource: `server ${id}`,
      undo: async () => (removed.push(id), 'removed'),
    }));
    const unwinding = stack.unwind();
    setTimeout(() => answer('srv-late'), 20);
    await adopted;
    const report = await unwinding;
    expect(removed).toEqual(['srv-late']);
    expect(formatCleanupReport(report)).toEqual(['removed server srv-late']);
  });

  it('undoes at once what is registered after the unwind finished', async () => {
    const stack = new CleanupStack();
    expect(formatCleanupReport(await stack.unwind())).toEqual(['nothing to clean up']);
    const removed: string[] = [];
    stack.register({ resource: 'image late', undo: async () => (removed.push('late'), 'removed') });
    await new Promise((r) => setImmediate(r));
    expect(removed).toEqual(['late']);
  });
});
