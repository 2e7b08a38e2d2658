import { fullJitterGenerator } from 'cockatiel';
import {
  ConnectionFailedError,
  OpenStackHttpError,
  RateLimitedError,
  RequestTimeoutError,
} from '../common/errors';
import type { RetryPlan } from '../common/resilience';
import type { RetryOptions } from './session-types';

export const DEFAULT_RETRY: Required<RetryOptions> = {
  maxRetries: 3,
  baseDelayMs: 250,
  maxDelayMs: 30_000,
};

/** Idempotent by HTTP semantics and safe to resend after a failure without creating anything twice. */
export function isIdempotent(method: string): boolean {
  return method === 'GET' || method === 'HEAD' || method === 'DELETE';
}

/** Statuses worth another attempt for an idempotent request (gateway errors and server hiccups). */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status !== 501 && status !== 505);
}

/** How one exchange may be resent; the session fills it in per request. */
export interface ResendRules {
  /** The body can be sent again (not a stream). */
  replayable: boolean;
  /** Resending cannot create anything twice (GET/HEAD/DELETE, or Keystone's token POST). */
  idempotent: boolean;
}

/**
 * A transport failure as the retry policy sees it: the typed error to throw when we give up, and
 * whether resending is safe (a reset on a reused keep-alive socket is safe even for POST; a TLS
 * refusal is permanent for this setup).
 */
export class AttemptFailure extends Error {
  constructor(
    readonly error: RequestTimeoutError | ConnectionFailedError,
    readonly resendable: boolean,
    readonly reason: string,
  ) {
    super(reason);
  }
}

/**
 * The session's retry plan (gophercloud provider_client.go semantics): idempotent requests are
 * resent after connection failures, timeouts and 5xx; any method after a 429 (the request was
 * refused, not processed), honouring Retry-After, except a Retry-After beyond our cap, which
 * means "give up now". Back-off otherwise is exponential with full jitter (cockatiel's
 * generator: uniform in [0, min(cap, base * 2^attempt))).
 */
export function sessionRetryPlan(
  rules: ResendRules,
  retry: Required<RetryOptions>,
  onRetry: RetryPlan['onRetry'],
): RetryPlan {
  return {
    maxRetries: rules.replayable ? retry.maxRetries : 0,
    shouldRetry(error) {
      if (error instanceof AttemptFailure) return error.resendable;
      if (!(error instanceof OpenStackHttpError)) return false;
      if (error.retryAfterMs !== undefined && error.retryAfterMs > retry.maxDelayMs) return false;
      if (error instanceof RateLimitedError) return true;
      return rules.idempotent && isRetryableStatus(error.status);
    },
    delayMs(error, retryNo) {
      if (error instanceof OpenStackHttpError && error.retryAfterMs !== undefined)
        return error.retryAfterMs;
      return backoffDelayMs(retryNo - 1, retry);
    },
    onRetry,
  };
}

/** Full-jitter delay before the retry that follows failed attempt number `attempt` (from 0). */
export function backoffDelayMs(attempt: number, retry: Required<RetryOptions>): number {
  const [delayMs] = fullJitterGenerator(attempt, {
    generator: fullJitterGenerator,
    initialDelay: retry.baseDelayMs,
    maxDelay: retry.maxDelayMs,
    exponent: 2,
  });
  return delayMs;
}
