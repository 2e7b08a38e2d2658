import { EventEmitter } from 'node:events';
import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  ConnectionFailedError,
  MalformedResponseError,
  OpenStackHttpError,
  RequestTimeoutError,
} from '@osa/openstack-client';
import { Clock, CLOCK } from '../clock/clock';
import { ProviderCallTimeoutError } from './provider-call';

/**
 * Is this error the cloud API being unavailable (rather than the API answering "no")? Transport
 * failures, timeouts, 5xx, 429 and unreadable answers are; a 4xx such as quota exceeded is not:
 * the API is up and said something we must act on.
 */
export function isCloudApiUnavailable(error: unknown): boolean {
  if (
    error instanceof ConnectionFailedError ||
    error instanceof RequestTimeoutError ||
    error instanceof ProviderCallTimeoutError
  )
    return true;
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
 * each one through `call`): the first call that finds the API unavailable turns it `degraded`, the
 * next call that gets an answer ends the outage. It is a circuit breaker that never opens for
 * callers: calls always go to the cloud, concurrently, each with its own signal. Serving never
 * depends on it; scaling waits while it is degraded. Each outage is logged twice: when it starts
 * and when it ends.
 *
 * Why not cockatiel's circuitBreaker (we use cockatiel for the call deadline): half-open, it runs
 * one probe and replays the waiting calls without their signals, one at a time (so a few queued
 * calls could outlast the shutdown deadline), and it counts any error its filter does not handle
 * (a caller's cancellation, a 4xx) as a success, which would end an outage that is still going on.
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

  /**
   * Runs one cloud API call and records what it says about the API. `what` names it in the status
   * and the log. A successful call ends an outage; an unavailable API (transport failure, timeout,
   * 5xx, 429) starts or continues one; an answer that is an error (a 4xx) and the caller's own
   * cancellation say nothing either way and pass through uncounted.
   */
  async call<T>(
    what: string,
    signal: AbortSignal | undefined,
    run: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    let answer: T;
    try {
      answer = await run(signal ?? new AbortController().signal);
    } catch (error) {
      if (!signal?.aborted && isCloudApiUnavailable(error))
        this.recordUnavailable(what, error as Error);
      throw error;
    }
    this.recordAnswer();
    return answer;
  }

  private recordUnavailable(what: string, error: Error): void {
    this.failedInARow++;
    this.lastError = `${what}: ${error.message}`;
    if (this.degradedAtMs !== undefined) return;
    this.degradedAtMs = this.clock.nowMs();
    this.degradedAt = this.clock.now().toISOString();
    this.logger.warn(
      `cloud API degraded: ${this.lastError}; serving continues on the existing instances, scaling waits until the API answers`,
    );
    this.events.emit('degraded', this.lastError);
  }

  private recordAnswer(): void {
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

  status(): CloudApiStatus {
    return {
      state: this.degraded ? 'degraded' : 'ok',
      degradedSince: this.degradedAt ?? null,
      degradedForMs:
        this.degradedAtMs === undefined ? null : Math.round(this.clock.nowMs() - this.degradedAtMs),
      failedCallsInARow: this.failedInARow,
      lastError: this.lastError ?? null,
      lastSuccessAt: this.lastSuccessAt ?? null,
      outagesRecovered: this.recovered,
    };
  }
}
