/** Exponential back-off after failures in a row: initial, doubling, capped; cleared by a success. */
export class FailureBackoff {
  private failuresInARow = 0;
  private notBeforeMs = 0;

  constructor(
    private readonly initialMs: number,
    private readonly maxMs: number,
  ) {}

  /** Records a failure; returns how long the next attempt must wait. */
  failed(nowMs: number): number {
    this.failuresInARow++;
    const waitMs = Math.min(this.initialMs * 2 ** (this.failuresInARow - 1), this.maxMs);
    this.notBeforeMs = nowMs + waitMs;
    return waitMs;
  }

  succeeded(): void {
    this.failuresInARow = 0;
    this.notBeforeMs = 0;
  }

  waitMs(nowMs: number): number {
    return Math.max(0, Math.round(this.notBeforeMs - nowMs));
  }

  get consecutiveFailures(): number {
    return this.failuresInARow;
  }

  view(nowMs: number): { consecutiveFailures: number; nextAllowedInMs: number } {
    return { consecutiveFailures: this.failuresInARow, nextAllowedInMs: this.waitMs(nowMs) };
  }
}
