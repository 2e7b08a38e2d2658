import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { ServiceType } from '../common/errors';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export type QueryValue = string | number | boolean | undefined | readonly string[];

/** One call to a service endpoint; the session adds the token, timeout, retries and headers. */
export interface ServiceRequest {
  method: HttpMethod;
  /** Path relative to the service endpoint from the catalog (e.g. `/servers/detail`), or an absolute URL (a "next" link). */
  path: string;
  query?: Readonly<Record<string, QueryValue>>;
  /** JSON body (sent with Content-Type application/json unless `contentType` says otherwise). */
  json?: unknown;
  /** Raw body (image data). A stream body is never retried. */
  body?: Buffer | Readable;
  contentType?: string;
  headers?: Readonly<Record<string, string>>;
  /** Override the client's per-request timeout. */
  timeoutMs?: number;
  /** Send `OpenStack-API-Version: <service> X.Y` (and Nova's legacy header for compute). */
  microversion?: string;
  /**
   * Cancels the call: waiting for a token, the HTTP request in flight (destroyed, its socket
   * closed) and any retry back-off. The call then rejects with RequestAbortedError at once.
   */
  signal?: AbortSignal;
}

/** What every client call accepts besides its own arguments. */
export interface CallOptions {
  /**
   * Cancels the call at once with a RequestAbortedError (WaitAbortedError for a waiter): the
   * HTTP request in flight is destroyed and no further attempt is made. Combine with
   * `AbortSignal.timeout(ms)` for a deadline.
   */
  signal?: AbortSignal;
}

export interface ServiceResponse {
  service: ServiceType;
  method: HttpMethod;
  /** Request URL, redacted. */
  url: string;
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  requestId?: string;
}

export interface RetryOptions {
  /** Retries after the first attempt for idempotent requests (GET/HEAD/DELETE/PUT-free). Default 3. */
  maxRetries?: number;
  /** First backoff delay; doubles per attempt with full jitter. Default 250 ms. */
  baseDelayMs?: number;
  /** Cap for one backoff delay (and for a Retry-After we are willing to honour). Default 30000 ms. */
  maxDelayMs?: number;
}

/** What the client reports through the `logger` option. Never contains a token or secret. */
export type ClientEvent =
  | {
      type: 'request';
      service: ServiceType;
      method: HttpMethod;
      url: string;
      status: number;
      durationMs: number;
      requestId?: string;
      attempt: number;
    }
  | {
      type: 'request-failed';
      service: ServiceType;
      method: HttpMethod;
      url: string;
      error: string;
      durationMs: number;
      attempt: number;
    }
  | {
      type: 'retry';
      service: ServiceType;
      method: HttpMethod;
      url: string;
      attempt: number;
      delayMs: number;
      reason: string;
    }
  | {
      type: 'auth';
      action: 'authenticated' | 'renewing-before-expiry' | 'reauthenticating-after-401';
      expiresAt?: string;
      durationMs?: number;
    }
  | {
      /** Something the caller should fix (e.g. TLS verification turned off). */
      type: 'warning';
      code: 'tls-verification-disabled';
      message: string;
    }
  | {
      type: 'microversion';
      service: ServiceType;
      negotiated: string;
      serverMin: string;
      serverMax: string;
      requested: string;
    };

export type ClientLogger = (event: ClientEvent) => void;
