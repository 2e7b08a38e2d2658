import {
  envelopeDelete,
  envelopeGet,
  envelopeList,
  envelopeWrite,
  type Parse,
} from '../common/envelope-calls';
import {
  ImmutableResourceError,
  InvalidArgumentError,
  NotFoundError,
  RequestAbortedError,
} from '../common/errors';
import type { ResourceList } from '../common/pagination';
import { runWithRetries } from '../common/resilience';
import type { Session } from '../session/session';
import type { CallOptions, HttpMethod, QueryValue } from '../session/session-types';

export const LOAD_BALANCER_SERVICE = 'load-balancer';

/** What every Octavia change accepts. */
export interface OctaviaWriteOptions extends CallOptions {
  /**
   * How many times to send the change again after Octavia's 409 "... is immutable" (the load
   * balancer is PENDING_*: another change is being applied). Octavia did nothing, so resending
   * is safe even for a POST. Default 8 (waits of 0.25, 0.5, 1, 2, 2, ... s: about 13 s in all,
   * longer than one change takes on a healthy provider); 0 turns it off. When they run out the
   * ImmutableResourceError is thrown.
   */
  immutableRetries?: number;
}

export interface OctaviaDeleteOptions extends OctaviaWriteOptions {
  /** Treat 404 (already gone) as success. Default true. */
  ignoreMissing?: boolean;
}

export const DEFAULT_IMMUTABLE_RETRIES = 8;
const IMMUTABLE_FIRST_DELAY_MS = 250;
const IMMUTABLE_MAX_DELAY_MS = 2_000;

/** Runs one Octavia change, resending it (boundedly) while the load balancer is immutable. */
export async function retryWhileImmutable<T>(
  method: HttpMethod,
  path: string,
  options: OctaviaWriteOptions,
  send: () => Promise<T>,
): Promise<T> {
  const retries = options.immutableRetries ?? DEFAULT_IMMUTABLE_RETRIES;
  if (!Number.isInteger(retries) || retries < 0) {
    throw new InvalidArgumentError(
      'immutableRetries',
      `${String(retries)} is not allowed`,
      'allowed: an integer >= 0',
    );
  }
  const signal = options.signal;
  return runWithRetries(
    {
      maxRetries: retries,
      shouldRetry: (error) => error instanceof ImmutableResourceError,
      delayMs: (_error, retryNo) =>
        Math.min(IMMUTABLE_MAX_DELAY_MS, IMMUTABLE_FIRST_DELAY_MS * 2 ** (retryNo - 1)),
    },
    () => send(),
    signal,
    () => new RequestAbortedError(LOAD_BALANCER_SERVICE, method, path, signal?.reason),
  );
}

export function octaviaList<T>(
  session: Session,
  path: string,
  plural: string,
  query: Record<string, QueryValue>,
  parse: Parse<T>,
  signal?: AbortSignal,
): ResourceList<T> {
  return envelopeList(session, LOAD_BALANCER_SERVICE, path, plural, query, parse, signal);
}

export function octaviaGet<T>(
  session: Session,
  path: string,
  singular: string,
  parse: Parse<T>,
  signal?: AbortSignal,
): Promise<T> {
  return envelopeGet(session, LOAD_BALANCER_SERVICE, path, singular, parse, signal);
}

/** POST/PUT `{"<singular>": body}`, resent while the load balancer is immutable. */
export function octaviaWrite<T>(
  session: Session,
  method: 'POST' | 'PUT',
  path: string,
  singular: string,
  body: Record<string, unknown>,
  parse: Parse<T>,
  options: OctaviaWriteOptions,
): Promise<T> {
  return retryWhileImmutable(method, path, options, () =>
    envelopeWrite(
      session,
      LOAD_BALANCER_SERVICE,
      method,
      path,
      singular,
      body,
      parse,
      options.signal,
    ),
  );
}

/** DELETE, resent while immutable; false when already gone (ignoreMissing, default true). */
export function octaviaDelete(
  session: Session,
  path: string,
  options: OctaviaDeleteOptions,
  query?: Record<string, QueryValue>,
): Promise<boolean> {
  return retryWhileImmutable('DELETE', path, options, () =>
    envelopeDelete(
      session,
      LOAD_BALANCER_SERVICE,
      path,
      options.ignoreMissing ?? true,
      options.signal,
      query,
    ),
  );
}

/** Runs a GET; a 404 becomes undefined (what waiters and find* want). */
export async function undefinedIfMissing<T>(get: () => Promise<T>): Promise<T | undefined> {
  try {
    return await get();
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
}

/** Drops undefined values so a body sends only what the caller set. */
export function definedFields(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
}
