/**
 * What this bake must undo if it does not finish: registered the moment a resource id is known
 * (not after the wait, where gophercloud/openstacksdk register it), unwound newest first.
 *
 * - `adopt(creating, describe)` wraps a create call: an interrupt that arrives while the create is
 *   in flight waits (bounded) for its answer, so a server Nova accepted just before Ctrl-C is
 *   still removed.
 * - After `unwind()` has started, anything registered later is undone at once.
 * - `handle.release()` means "keep it": the step that owns the resource finished with it.
 */

export interface CleanupEntrySpec {
  /** Human description, e.g. `server service-vm-1 (0f3c...)`. */
  resource: string;
  /**
   * Undo it. Returns what happened, e.g. `removed` / `restarted` / `kept: image is active`; the
   * report prints `<outcome> <resource>`.
   */
  undo: () => Promise<string>;
}

export interface CleanupHandle {
  readonly resource: string;
  /** Keep the resource: it will not be undone. */
  release(): void;
}

export interface CleanupOutcome {
  resource: string;
  outcome: string;
}

export interface CleanupFailure {
  resource: string;
  error: string;
}

export interface CleanupReport {
  done: CleanupOutcome[];
  failed: CleanupFailure[];
}

interface Entry extends CleanupEntrySpec {
  seq: number;
}

export class CleanupStack {
  private readonly entries = new Map<number, Entry>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private nextSeq = 1;
  private unwinding: Promise<CleanupReport> | undefined;
  private readonly lateReport: CleanupReport = { done: [], failed: [] };
  private readonly lateUndos: Promise<void>[] = [];

  constructor(
    private readonly options: {
      /** Bound on each undo action. Default 5 minutes (a server delete can take a while). */
      undoTimeoutMs?: number;
      /** Bound on waiting for in-flight creates before unwinding. Default 60 s. */
      inFlightTimeoutMs?: number;
    } = {},
  ) {}

  /** Resources still registered (newest last). */
  pending(): string[] {
    return [...this.entries.values()].map((e) => e.resource);
  }

  register(spec: CleanupEntrySpec): CleanupHandle {
    const seq = this.nextSeq++;
    const entry: Entry = { ...spec, seq };
    if (this.unwinding) {
      // Registered after the unwind started (a create answered late): undo it right away.
      this.lateUndos.push(this.runOne(entry, this.lateReport));
      return { resource: spec.resource, release: () => undefined };
    }
    this.entries.set(seq, entry);
    return {
      resource: spec.resource,
      release: () => {
        this.entries.delete(seq);
      },
    };
  }

  /** Awaits a create call and registers its cleanup as soon as it answers. */
  async adopt<T>(
    creating: Promise<T>,
    describe: (created: T) => CleanupEntrySpec,
  ): Promise<{ value: T; handle: CleanupHandle }> {
    this.inFlight.add(creating);
    try {
      const value = await creating;
      return { value, handle: this.register(describe(value)) };
    } finally {
      this.inFlight.delete(creating);
    }
  }

  get isUnwinding(): boolean {
    return this.unwinding !== undefined;
  }

  /** Undoes every registered entry, newest first. Idempotent: a second call returns the same report. */
  unwind(): Promise<CleanupReport> {
    this.unwinding ??= this.doUnwind();
    return this.unwinding;
  }

  private async doUnwind(): Promise<CleanupReport> {
    const report: CleanupReport = { done: [], failed: [] };
    if (this.inFlight.size) {
      await withTimeout(
        Promise.allSettled([...this.inFlight]),
        this.options.inFlightTimeoutMs ?? 60_000,
        'in-flight create calls',
      ).catch(() => undefined);
      // adopt() registers in a microtask after the create resolves; let those land first.
      await new Promise((resolve) => setImmediate(resolve));
    }
    const ordered = [...this.entries.values()].sort((a, b) => b.seq - a.seq);
    this.entries.clear();
    for (const entry of ordered) await this.runOne(entry, report);
    await Promise.all(this.lateUndos);
    report.done.push(...this.lateReport.done);
    report.failed.push(...this.lateReport.failed);
    return report;
  }

  private async runOne(entry: Entry, report: CleanupReport): Promise<void> {
    try {
      const outcome = await withTimeout(
        entry.undo(),
        this.options.undoTimeoutMs ?? 300_000,
        `undo ${entry.resource}`,
      );
      report.done.push({ resource: entry.resource, outcome });
    } catch (err) {
      report.failed.push({
        resource: entry.resource,
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what}: gave up after ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Report lines: `removed server service-vm-1 (id)`, and `FAILED to undo ...` with the reason. */
export function formatCleanupReport(report: CleanupReport): string[] {
  if (!report.done.length && !report.failed.length) return ['nothing to clean up'];
  return [
    ...report.done.map((d) => `${d.outcome} ${d.resource}`),
    ...report.failed.map((f) => `FAILED to clean up ${f.resource}: ${f.error} (remove it by hand)`),
  ];
}
