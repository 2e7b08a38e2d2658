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

/** Exponential backoff with full jitter (AWS architecture blog): uniform in [0, min(cap, base * 2^attempt)]. */
export function backoffDelayMs(
  attempt: number,
  retry: Required<RetryOptions>,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** attempt);
  return Math.round(random() * ceiling);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
