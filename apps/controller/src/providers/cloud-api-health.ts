import { EventEmitter } from 'node:events';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { circuitBreaker, ConsecutiveBreaker, handleWhen } from 'cockatiel';
import { ConnectionFailedError, MalformedResponseError, OpenStackHttpError, RequestTimeoutError } from '@osa/openstack-client';
import { Clock, CLOCK } from '../clock/clock';
import { ProviderCallTimeoutError } from './provider-call';

/**
 * Is this error the cloud API being unavailable (rather than the API answering "no")? Transport
 * failures, timeouts, 5xx, 429 and unreadable answers are; a 4xx such as quota exceeded is not:
 * the API is up and said something we must act on.
 */
export function isCloudApiUnavailable(error: unknown): boolean {
  if (error instanceof ConnectionFailedError || error instanceof RequestTimeoutError || error instanceof ProviderCallTimeoutError) return true;
  if (error instanceof MalformedResponseError) return true;
  if (error instanceof OpenStackHttpError) return error.status >= 500 || error.status === 429;
  return false;
}

export interface CloudApiStatus {
  /** `degraded` from the first call that found the API unavailable until the next call that succeeds. */
  readonly state: 'ok' | 'degraded';
  readonly degradedSince: string | null;
  readonly degradedForMs: number | null;
  readonly failedCallsInARow: number;
  readonly lastError: string | null;
  readonly lastSuccessAt: string | null;
  /** How many outages ended since start-up. */
  readonly outagesRecovered: number;
}

export interface CloudApiEvents {
  degraded: [error: string];
  recovered: [outageMs: number];
}

/**
 * Whether the cloud API answers, as seen by every provider call (MonitoredInstanceProvider runs
 * each one through `call`). It is cockatiel's circuit breaker: the first call that finds the API
 * unavailable opens it (`degraded`), and it closes on the next call that gets an answer. It
 * half-opens at once (`halfOpenAfter: 0`), so calls are never refused: while degraded they go
 * to the cloud one at a time, each a probe. Serving never depends on it; scaling waits while it
 * is degraded. Each outage is logged twice: when it starts and when it ends.
 */
@Injectable()
export class CloudApiHealth {
  readonly events = new EventEmitter<CloudApiEvents>();
  private readonly logger = new Logger('CloudApi');
  private readonly breaker = circuitBreaker(handleWhen(isCloudApiUnavailable), {
    halfOpenAfter: 0,
    breaker: new ConsecutiveBreaker(1),
  });
  private degradedAtMs: number | undefined;
  private degradedAt: string | undefined;
  private failedInARow = 0;
  private lastError: string | undefined;
  private lastSuccessAt: string | undefined;
  private recovered = 0;

  constructor(@Inject(CLOCK) private readonly clock: Clock) {
    this.breaker.onSuccess(() => {
      this.lastSuccessAt = this.clock.now().toISOString();
      if (this.degradedAtMs === undefined) this.failedInARow = 0;
    });
    // A failed probe re-opens the breaker (and fires onBreak again): only the first one is news.
    this.breaker.onBreak(() => this.markDegraded());
    this.breaker.onReset(() => this.markRecovered());
  }

  get degraded(): boolean {
    return this.degradedAtMs !== undefined;
  }

  /**
   * Runs one cloud API call through the breaker. `what` names it in the status and the log.
   * Errors that are answers (a 4xx) or the caller's own cancellation pass through uncounted.
   */
  call<T>(what: string, signal: AbortSignal | undefined, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return this.breaker.execute(async (context) => {
      try {
        return await run(context.signal);
      } catch (error) {
        if (isCloudApiUnavailable(error)) {
          this.failedInARow++;
          this.lastError = `${what}: ${(error as Error).message}`;
        }
        throw error;
      }
    }, signal);
  }

  private markDegraded(): void {
    if (this.degradedAtMs !== undefined) return;
    this.degradedAtMs = this.clock.nowMs();
    this.degradedAt = this.clock.now().toISOString();
    this.logger.warn(`cloud API degraded: ${this.lastError}; serving continues on the existing instances, scaling waits until the API answers`);
    this.events.emit('degraded', this.lastError ?? 'unknown');
  }

  private markRecovered(): void {
    if (this.degradedAtMs === undefined) return;
    const outageMs = Math.round(this.clock.nowMs() - this.degradedAtMs);
    this.logger.log(
      `cloud API recovered after ${(outageMs / 1000).toFixed(1)}s (${this.failedInARow} failed call(s), last: ${this.lastError}); scaling resumes`,
    );
    this.degradedAtMs = undefined;
    this.degradedAt = undefined;
    this.failedInARow = 0;
    this.recovered++;
    this.events.emit('recovered', outageMs);
  }

  status(): CloudApiStatus {
    return {
      state: this.degraded ? 'degraded' : 'ok',
      degradedSince: this.degradedAt ?? null,
      degradedForMs: this.degradedAtMs === undefined ? null : Math.round(this.clock.nowMs() - this.degradedAtMs),
      failedCallsInARow: this.failedInARow,
      lastError: this.lastError ?? null,
      lastSuccessAt: this.lastSuccessAt ?? null,
      outagesRecovered: this.recovered,
    };
  }
}
