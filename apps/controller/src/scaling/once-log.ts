import { LoggerService } from '@nestjs/common';

/**
 * "Say it once": a condition that keeps holding (at capacity, in cooldown, API degraded...) is
 * logged when it starts, not on every request or evaluation that runs into it. A condition is
 * said again only after it was `resolved` -- the reset points are named in one table
 * (HOLD_RESET_POINTS in scaling-decisions.ts), not scattered through the code.
 */
export class OnceLog<Condition extends string> {
  private readonly said = new Set<Condition>();

  constructor(private readonly logger: LoggerService) {}

  /** Logs `message` unless `condition` was already said and not resolved since. Returns whether it logged. */
  say(condition: Condition, message: string): boolean {
    if (this.said.has(condition)) return false;
    this.said.add(condition);
    this.logger.log(message);
    return true;
  }

  /** These conditions no longer hold: the next time one does, it is said again. */
  resolved(conditions: readonly Condition[]): void {
    for (const condition of conditions) this.said.delete(condition);
  }

  /** Conditions said and not resolved since (for specs and /status debugging). */
  get holding(): Condition[] {
    return [...this.said];
  }
}
