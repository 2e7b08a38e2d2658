import { EventEmitter } from 'node:events';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConnectionFailedError, MalformedResponseError, OpenStackHttpError, RequestTimeoutError } from '@osa/openstack-client';
import { Clock, CLOCK } from './clock';
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
 * Whether the cloud API answers, as seen by every provider call (MonitoredInstanceProvider feeds
 * it). Serving never depends on it; scaling waits while it is degraded. Each outage is logged
 * twice: when it starts and when it ends.
 */
@Injectable()
export class CloudApiHealth {
  readonly events = new EventEmitter<CloudApiEvents>();
  private readonly logger = new Logger('CloudApi');
  private degradedAtMs: number | undefined;
  private degradedAt: string | undefined;
  private failedInARow = 0;
  private lastError: string | undefined;
  private lastSuccessAt: string | undefined;
  private recovered = 0;

  constructor(@Inject(CLOCK) private readonly clock: Clock) {}

  get degraded(): boolean {
    return this.degradedAtMs !== undefined;
  }

  recordSuccess(): void {
    this.lastSuccessAt = this.clock.now().toISOString();
    if (this.degradedAtMs === undefined) {
      this.failedInARow = 0;
      return;
    }
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

  recordFailure(what: string, error: unknown): void {
    if (!isCloudApiUnavailable(error)) return;
    this.failedInARow++;
    this.lastError = `${what}: ${(error as Error).message}`;
    if (this.degradedAtMs !== undefined) return;
    this.degradedAtMs = this.clock.nowMs();
    this.degradedAt = this.clock.now().toISOString();
    this.logger.warn(`cloud API degraded: ${this.lastError}; serving continues on the existing instances, scaling waits until the API answers`);
    this.events.emit('degraded', this.lastError);
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
