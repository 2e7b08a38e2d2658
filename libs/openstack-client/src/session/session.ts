import { Readable } from 'node:stream';
import { inspect } from 'node:util';
import {
  ConnectionFailedError,
  OpenStackHttpError,
  RateLimitedError,
  RequestTimeoutError,
  UnauthorizedError,
  errorFromResponse,
  redactUrl,
  type ServiceType,
} from '../common/errors';
import { WireReader } from '../common/wire';
import type { AuthConfig, EndpointInterface } from '../config/cloud-config';
import { selectEndpoint, versionedBaseUrl } from '../identity/catalog';
import { buildAuthRequestBody } from '../identity/requests';
import { parseTokenResponse, type AuthToken, type CatalogService } from '../identity/results';
import { tokensUrl } from '../identity/urls';
import { HttpTransport, TransportFailure, type RawResponse } from './http-transport';
import { backoffDelayMs, isIdempotent, isRetryableStatus, sleep } from './retry-policy';
import type {
  ClientEvent,
  ClientLogger,
  HttpMethod,
  QueryValue,
  RetryOptions,
  ServiceRequest,
  ServiceResponse,
} from './session-types';

export interface SessionOptions {
  auth: AuthConfig;
  regionName?: string;
  interface: EndpointInterface;
  /** PEM CA bundle contents to trust for https (replaces the default CAs, like OS_CACERT). */
  ca?: string | Buffer;
  insecure: boolean;
  timeoutMs: number;
  retry: Required<RetryOptions>;
  /** Renew the token this long before `expires_at` (capped at half the token's lifetime). */
  tokenRenewalMarginMs: number;
  logger?: ClientLogger;
  userAgent: string;
}

export interface EndpointSelection {
  interface?: EndpointInterface;
  region?: string;
}

type Attempt =
  { kind: 'response'; raw: RawResponse } | { kind: 'failure'; failure: TransportFailure };

/**
 * One authenticated session: owns the token, the catalog, the HTTP agents, timeouts and retries.
 * A request goes through these steps, in order:
 *   resolve URL (catalog + version) -> ensure token -> send with deadline ->
 *   401? re-authenticate once (shared by concurrent callers) and replay ->
 *   retryable? (idempotent + connection error/timeout/5xx, or any method + 429) back off and resend ->
 *   error status? build the typed error -> response.
 */
export class Session {
  private readonly transport: HttpTransport;
  private currentToken: AuthToken | undefined;
  private inFlightAuth: Promise<AuthToken> | undefined;
  /** Times we have authenticated (useful to tests and status output). */
  authCount = 0;

  constructor(readonly options: SessionOptions) {
    this.transport = new HttpTransport({ ca: options.ca, insecure: options.insecure });
    if (options.insecure) {
      this.emit({
        type: 'warning',
        code: 'tls-verification-disabled',
        message:
          'TLS certificate verification is disabled (insecure / OS_INSECURE / verify: false): anyone on the ' +
          'network path can pose as Keystone or a service and read the credentials and tokens sent to it; ' +
          'set OS_CACERT (or `cacert` in clouds.yaml) to the CA bundle instead',
      });
    }
  }

  /** The current token, authenticating first or renewing it when it is close to `expires_at`. */
  async token(): Promise<AuthToken> {
    const token = this.currentToken;
    if (token && !this.isNearExpiry(token)) return token;
    if (token)
      this.emit({
        type: 'auth',
        action: 'renewing-before-expiry',
        expiresAt: token.expiresAt.toISOString(),
      });
    return this.authenticate();
  }

  async catalog(): Promise<CatalogService[]> {
    return (await this.token()).catalog;
  }

  /** The catalog URL (unversioned, as registered) for a service type. */
  async endpointFor(serviceType: ServiceType, selection: EndpointSelection = {}): Promise<string> {
    const token = await this.token();
    return selectEndpoint(
      token.catalog,
      serviceType,
      selection.interface ?? this.options.interface,
      selection.region ?? this.options.regionName,
    );
  }

  /** The versioned base URL our request paths are relative to (e.g. Glance root + `/v2`). */
  async serviceBaseUrl(serviceType: ServiceType): Promise<string> {
    return versionedBaseUrl(serviceType, await this.endpointFor(serviceType));
  }

  invalidateToken(): void {
    this.currentToken = undefined;
  }

  close(): void {
    this.transport.close();
  }

  // What a log line gets from String/JSON/inspect: never the agents, whose sockets hold the head
  // (with X-Auth-Token) of a request in flight, nor the token itself.
  toString(): string {
    return `Session(${this.options.auth.authUrl})`;
  }

  toJSON(): Record<string, unknown> {
    return {
      authUrl: this.options.auth.authUrl,
      region: this.options.regionName,
      interface: this.options.interface,
      tokenExpiresAt: this.currentToken?.expiresAt.toISOString(),
      authCount: this.authCount,
    };
  }

  [inspect.custom](): string {
    return `Session ${JSON.stringify(this.toJSON())}`;
  }

  /** Sends one request to a service (see the class comment for the steps). Throws typed OpenStackErrors. */
  async request(service: ServiceType, request: ServiceRequest): Promise<ServiceResponse> {
    const url = await this.resolveUrl(service, request);
    const redacted = redactUrl(url.toString());
    const replayable = !(request.body instanceof Readable);
    const retry = this.options.retry;
    let reauthenticated = false;
    for (let attempt = 0; ; attempt++) {
      const token = await this.token();
      const started = Date.now();
      const outcome = await this.attempt(url, request, this.headersFor(service, request, token));
      const durationMs = Date.now() - started;

      if (outcome.kind === 'failure') {
        const { failure } = outcome;
        this.emit({
          type: 'request-failed',
          service,
          method: request.method,
          url: redacted,
          error: failure.message,
          durationMs,
          attempt,
        });
        const error = this.failureError(service, request, redacted, failure);
        const resendable =
          replayable &&
          failure.kind !== 'tls' &&
          (isIdempotent(request.method) || failure.staleReusedSocket);
        if (resendable && attempt < retry.maxRetries) {
          await this.backoff(
            service,
            request.method,
            redacted,
            attempt,
            backoffDelayMs(attempt, retry),
            failure.message,
          );
          continue;
        }
        throw error;
      }

      const { raw } = outcome;
      const requestId = requestIdOf(raw);
      this.emit({
        type: 'request',
        service,
        method: request.method,
        url: redacted,
        status: raw.status,
        durationMs,
        requestId,
        attempt,
      });
      if (raw.status < 400) {
        return {
          service,
          method: request.method,
          url: redacted,
          status: raw.status,
          headers: raw.headers,
          body: raw.body,
          requestId,
        };
      }
      const error = errorFromResponse({
        service,
        method: request.method,
        url: url.toString(),
        status: raw.status,
        body: raw.body,
        contentType: header(raw, 'content-type'),
        requestId,
        retryAfter: header(raw, 'retry-after'),
      });
      // A 401 means the token was revoked or expired early: re-authenticate once and replay.
      if (error instanceof UnauthorizedError && !reauthenticated && replayable) {
        reauthenticated = true;
        this.emit({ type: 'auth', action: 'reauthenticating-after-401' });
        await this.reauthenticate(token);
        attempt--; // the replay is not a retry
        continue;
      }
      if (
        replayable &&
        attempt < retry.maxRetries &&
        this.shouldRetryStatus(request.method, error)
      ) {
        const delayMs = this.delayFor(error, attempt);
        if (delayMs !== undefined) {
          await this.backoff(
            service,
            request.method,
            redacted,
            attempt,
            delayMs,
            `${raw.status} ${error.serverMessage}`,
          );
          continue;
        }
      }
      throw error;
    }
  }

  // --- request steps -----------------------------------------------------------------------

  private async resolveUrl(service: ServiceType, request: ServiceRequest): Promise<URL> {
    const isAbsolute = /^https?:\/\//i.test(request.path);
    const url = new URL(
      isAbsolute ? request.path : (await this.serviceBaseUrl(service)) + request.path,
    );
    appendQuery(url, request.query);
    return url;
  }

  private headersFor(
    service: ServiceType,
    request: ServiceRequest,
    token: AuthToken,
  ): Record<string, string> {
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'User-Agent': this.options.userAgent,
      'X-Auth-Token': token.value.reveal(),
    };
    if (request.microversion) {
      headers['OpenStack-API-Version'] = `${service} ${request.microversion}`;
      // Nova before 2.27 only reads its legacy header; sending both is what the API reference advises.
      if (service === 'compute') headers['X-OpenStack-Nova-API-Version'] = request.microversion;
    }
    if (request.json !== undefined)
      headers['Content-Type'] = request.contentType ?? 'application/json';
    else if (request.body !== undefined)
      headers['Content-Type'] = request.contentType ?? 'application/octet-stream';
    return { ...headers, ...request.headers };
  }

  private async attempt(
    url: URL,
    request: ServiceRequest,
    headers: Record<string, string>,
  ): Promise<Attempt> {
    let body: Buffer | Readable | undefined = request.body;
    if (request.json !== undefined) body = Buffer.from(JSON.stringify(request.json));
    if (Buffer.isBuffer(body)) headers['Content-Length'] = String(body.length);
    else if (
      body === undefined &&
      (request.method === 'POST' || request.method === 'PUT' || request.method === 'PATCH')
    ) {
      headers['Content-Length'] = '0';
    }
    try {
      const raw = await this.transport.send({
        method: request.method,
        url,
        headers,
        body,
        timeoutMs: request.timeoutMs ?? this.options.timeoutMs,
      });
      return { kind: 'response', raw };
    } catch (err) {
      if (err instanceof TransportFailure) return { kind: 'failure', failure: err };
      throw err;
    }
  }

  private failureError(
    service: ServiceType,
    request: ServiceRequest,
    url: string,
    failure: TransportFailure,
  ): Error {
    if (failure.kind === 'timeout') {
      return new RequestTimeoutError(
        service,
        request.method,
        url,
        request.timeoutMs ?? this.options.timeoutMs,
      );
    }
    return new ConnectionFailedError(service, request.method, url, failure.code, failure.message);
  }

  /** 429 is retried for every method (the request was refused, not processed); 5xx only when idempotent. */
  private shouldRetryStatus(method: HttpMethod, error: OpenStackHttpError): boolean {
    if (error instanceof RateLimitedError) return true;
    return isIdempotent(method) && isRetryableStatus(error.status);
  }

  /** Honour Retry-After when given; a Retry-After beyond our cap means "give up now" (undefined). */
  private delayFor(error: OpenStackHttpError, attempt: number): number | undefined {
    if (error.retryAfterMs !== undefined) {
      return error.retryAfterMs <= this.options.retry.maxDelayMs ? error.retryAfterMs : undefined;
    }
    return backoffDelayMs(attempt, this.options.retry);
  }

  private async backoff(
    service: ServiceType,
    method: HttpMethod,
    url: string,
    attempt: number,
    delayMs: number,
    reason: string,
  ): Promise<void> {
    this.emit({ type: 'retry', service, method, url, attempt: attempt + 1, delayMs, reason });
    await sleep(delayMs);
  }

  // --- authentication ----------------------------------------------------------------------

  private isNearExpiry(token: AuthToken): boolean {
    const now = Date.now();
    const lifetimeMs = token.expiresAt.getTime() - (token.issuedAt?.getTime() ?? now);
    const marginMs = Math.min(this.options.tokenRenewalMarginMs, Math.max(0, lifetimeMs / 2));
    return now >= token.expiresAt.getTime() - marginMs;
  }

  /** One authentication at a time: concurrent callers await the same attempt. */
  private authenticate(): Promise<AuthToken> {
    if (!this.inFlightAuth) {
      this.inFlightAuth = this.requestToken().finally(() => {
        this.inFlightAuth = undefined;
      });
    }
    return this.inFlightAuth;
  }

  /** After a 401 with `staleToken`: renew unless someone already did (no thundering herd). */
  private reauthenticate(staleToken: AuthToken): Promise<AuthToken> {
    if (this.currentToken && this.currentToken !== staleToken)
      return Promise.resolve(this.currentToken);
    this.currentToken = undefined;
    return this.authenticate();
  }

  private async requestToken(): Promise<AuthToken> {
    const url = new URL(tokensUrl(this.options.auth.authUrl));
    const redacted = redactUrl(url.toString());
    const body = Buffer.from(JSON.stringify(buildAuthRequestBody(this.options.auth)));
    const retry = this.options.retry;
    const started = Date.now();
    // Creating a token creates nothing a retry could duplicate, so connection errors, 5xx and
    // 429 are retried here like an idempotent request.
    for (let attempt = 0; ; attempt++) {
      const attemptStarted = Date.now();
      const result = await this.sendAuth(url, body);
      const durationMs = Date.now() - attemptStarted;
      if (result.kind === 'failure') {
        this.emit({
          type: 'request-failed',
          service: 'identity',
          method: 'POST',
          url: redacted,
          error: result.failure.message,
          durationMs,
          attempt,
        });
        if (attempt < retry.maxRetries && result.failure.kind !== 'tls') {
          await this.backoff(
            'identity',
            'POST',
            redacted,
            attempt,
            backoffDelayMs(attempt, retry),
            result.failure.message,
          );
          continue;
        }
        throw this.failureError(
          'identity',
          { method: 'POST', path: url.toString() },
          redacted,
          result.failure,
        );
      }
      const { raw } = result;
      const requestId = requestIdOf(raw);
      this.emit({
        type: 'request',
        service: 'identity',
        method: 'POST',
        url: redacted,
        status: raw.status,
        durationMs,
        requestId,
        attempt,
      });
      if (raw.status >= 400) {
        const error = errorFromResponse({
          service: 'identity',
          method: 'POST',
          url: url.toString(),
          status: raw.status,
          body: raw.body,
          contentType: header(raw, 'content-type'),
          requestId,
          retryAfter: header(raw, 'retry-after'),
        });
        if (
          attempt < retry.maxRetries &&
          (error instanceof RateLimitedError || isRetryableStatus(raw.status))
        ) {
          const delayMs = this.delayFor(error, attempt);
          if (delayMs !== undefined) {
            await this.backoff(
              'identity',
              'POST',
              redacted,
              attempt,
              delayMs,
              `${raw.status} ${error.serverMessage}`,
            );
            continue;
          }
        }
        throw error;
      }
      const wire = new WireReader({
        service: 'identity',
        method: 'POST',
        url: redacted,
        status: raw.status,
        requestId,
      });
      const token = parseTokenResponse(wire, header(raw, 'x-subject-token'), raw.body);
      this.currentToken = token;
      this.authCount++;
      this.emit({
        type: 'auth',
        action: 'authenticated',
        expiresAt: token.expiresAt.toISOString(),
        durationMs: Date.now() - started,
      });
      return token;
    }
  }

  private async sendAuth(url: URL, body: Buffer): Promise<Attempt> {
    try {
      const raw = await this.transport.send({
        method: 'POST',
        url,
        headers: {
          Accept: 'application/json',
          'Content-Type': 'application/json',
          'Content-Length': String(body.length),
          'User-Agent': this.options.userAgent,
        },
        body,
        timeoutMs: this.options.timeoutMs,
      });
      return { kind: 'response', raw };
    } catch (err) {
      if (err instanceof TransportFailure) return { kind: 'failure', failure: err };
      throw err;
    }
  }

  /** Reports an event to the configured logger (used by the service APIs too). */
  emit(event: ClientEvent): void {
    if (!this.options.logger) return;
    try {
      this.options.logger(event);
    } catch {
      // A failing logger must not break a request.
    }
  }
}

function header(raw: RawResponse, name: string): string | undefined {
  const value = raw.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Keystone/Glance/Neutron send x-openstack-request-id; Nova sends both it and x-compute-request-id. */
function requestIdOf(raw: RawResponse): string | undefined {
  return header(raw, 'x-openstack-request-id') || header(raw, 'x-compute-request-id') || undefined;
}

function appendQuery(url: URL, query: Readonly<Record<string, QueryValue>> | undefined): void {
  if (!query) return;
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) url.searchParams.append(key, v);
    else url.searchParams.append(key, String(value));
  }
}
