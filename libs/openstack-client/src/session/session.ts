import { Readable } from 'node:stream';
import { inspect } from 'node:util';
import {
  ConnectionFailedError,
  OpenStackHttpError,
  RequestAbortedError,
  RequestTimeoutError,
  UnauthorizedError,
  errorFromResponse,
  redactUrl,
  type ServiceType,
} from '../common/errors';
import { runWithRetries, untilAborted } from '../common/resilience';
import { WireReader } from '../common/wire';
import type { AuthConfig, EndpointInterface } from '../config/cloud-config';
import { selectEndpoint, versionedBaseUrl } from '../identity/catalog';
import { buildAuthRequestBody } from '../identity/requests';
import { parseTokenResponse, type AuthToken, type CatalogService } from '../identity/results';
import { tokensUrl } from '../identity/urls';
import { HttpTransport, TransportFailure, type RawResponse } from './http-transport';
import { AttemptFailure, isIdempotent, sessionRetryPlan, type ResendRules } from './retry-policy';
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

/** One request as the retry loop sees it (a service call, or Keystone's token POST). */
interface Exchange {
  service: ServiceType;
  method: HttpMethod;
  url: URL;
  body: Buffer | Readable | undefined;
  headers(token: AuthToken | undefined): Record<string, string>;
  timeoutMs: number;
  signal: AbortSignal | undefined;
  rules: ResendRules;
  /** Sends the session's token (and re-authenticates once on a 401). */
  authenticated: boolean;
}

/**
 * One authenticated session: owns the token, the catalog, the HTTP agents, timeouts and retries.
 * A request goes through these steps, in order:
 *   resolve URL (catalog + version) -> ensure token -> send with deadline ->
 *   401? re-authenticate once (shared by concurrent callers) and replay ->
 *   retryable? (idempotent + connection error/timeout/5xx, or any method + 429) back off and resend ->
 *   error status? build the typed error -> response.
 * Keystone's token POST goes through the same loop (`exchange`). The caller's AbortSignal stops
 * every step: waiting for a token, the HTTP request (destroyed) and the back-off sleep.
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

  /**
   * Sends one request to a service (see the class comment for the steps). Throws typed
   * OpenStackErrors; `request.signal` aborts it at any step with RequestAbortedError.
   */
  async request(service: ServiceType, request: ServiceRequest): Promise<ServiceResponse> {
    const signal = request.signal;
    const url = await untilAborted(
      this.resolveUrl(service, request),
      signal,
      () => new RequestAbortedError(service, request.method, request.path, signal?.reason),
    );
    let body: Buffer | Readable | undefined = request.body;
    if (request.json !== undefined) body = Buffer.from(JSON.stringify(request.json));
    return this.exchange({
      service,
      method: request.method,
      url,
      body,
      headers: (token) => this.headersFor(service, request, token),
      timeoutMs: request.timeoutMs ?? this.options.timeoutMs,
      signal,
      rules: { replayable: !(body instanceof Readable), idempotent: isIdempotent(request.method) },
      authenticated: true,
    });
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
    token: AuthToken | undefined,
  ): Record<string, string> {
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'User-Agent': this.options.userAgent,
    };
    if (token) headers['X-Auth-Token'] = token.value.reveal();
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

  /**
   * The one retry loop (a cockatiel policy, see sessionRetryPlan) around one attempt; a 401 on
   * an authenticated exchange re-authenticates once per exchange and replays inside the same
   * attempt (a replay is not a retry).
   */
  private exchange(x: Exchange): Promise<ServiceResponse> {
    const redacted = redactUrl(x.url.toString());
    let reauthenticated = false;
    const attempt = async (attemptNo: number): Promise<ServiceResponse> => {
      const token = x.authenticated ? await this.tokenFor(x, redacted) : undefined;
      try {
        return await this.sendOnce(x, redacted, attemptNo, token);
      } catch (err) {
        // A 401 means the token was revoked or expired early: re-authenticate once and replay.
        if (!(err instanceof UnauthorizedError && token && !reauthenticated && x.rules.replayable))
          throw err;
        reauthenticated = true;
        this.emit({ type: 'auth', action: 'reauthenticating-after-401' });
        const fresh = await untilAborted(this.reauthenticate(token), x.signal, () =>
          this.abortError(x, redacted),
        );
        return this.sendOnce(x, redacted, attemptNo, fresh);
      }
    };
    const plan = sessionRetryPlan(x.rules, this.options.retry, ({ retry, delayMs, error }) =>
      this.emit({
        type: 'retry',
        service: x.service,
        method: x.method,
        url: redacted,
        attempt: retry,
        delayMs,
        reason: error instanceof AttemptFailure ? error.reason : retryReason(error),
      }),
    );
    return runWithRetries(plan, attempt, x.signal, () => this.abortError(x, redacted)).catch(
      (err: unknown) => {
        throw err instanceof AttemptFailure ? err.error : err;
      },
    );
  }

  private tokenFor(x: Exchange, redacted: string): Promise<AuthToken> {
    return untilAborted(this.token(), x.signal, () => this.abortError(x, redacted));
  }

  private abortError(x: Exchange, redacted: string): RequestAbortedError {
    return new RequestAbortedError(x.service, x.method, redacted, x.signal?.reason);
  }

  /** One HTTP exchange: send, report, and turn an error status into the typed error. */
  private async sendOnce(
    x: Exchange,
    redacted: string,
    attempt: number,
    token: AuthToken | undefined,
  ): Promise<ServiceResponse> {
    const headers = x.headers(token);
    if (Buffer.isBuffer(x.body)) headers['Content-Length'] = String(x.body.length);
    else if (
      x.body === undefined &&
      (x.method === 'POST' || x.method === 'PUT' || x.method === 'PATCH')
    )
      headers['Content-Length'] = '0';
    const started = Date.now();
    let raw: RawResponse;
    try {
      raw = await this.transport.send({
        method: x.method,
        url: x.url,
        headers,
        body: x.body,
        timeoutMs: x.timeoutMs,
        signal: x.signal,
      });
    } catch (err) {
      if (!(err instanceof TransportFailure)) throw err;
      if (err.kind === 'aborted') throw this.abortError(x, redacted);
      this.emit({
        type: 'request-failed',
        service: x.service,
        method: x.method,
        url: redacted,
        error: err.message,
        durationMs: Date.now() - started,
        attempt,
      });
      throw new AttemptFailure(
        this.failureError(x, redacted, err),
        x.rules.replayable && err.kind !== 'tls' && (x.rules.idempotent || err.staleReusedSocket),
        err.message,
      );
    }
    const requestId = requestIdOf(raw);
    this.emit({
      type: 'request',
      service: x.service,
      method: x.method,
      url: redacted,
      status: raw.status,
      durationMs: Date.now() - started,
      requestId,
      attempt,
    });
    if (raw.status >= 400) {
      throw errorFromResponse({
        service: x.service,
        method: x.method,
        url: x.url.toString(),
        status: raw.status,
        body: raw.body,
        contentType: header(raw, 'content-type'),
        requestId,
        retryAfter: header(raw, 'retry-after'),
      });
    }
    return {
      service: x.service,
      method: x.method,
      url: redacted,
      status: raw.status,
      headers: raw.headers,
      body: raw.body,
      requestId,
    };
  }

  private failureError(
    x: Exchange,
    redacted: string,
    failure: TransportFailure,
  ): RequestTimeoutError | ConnectionFailedError {
    if (failure.kind === 'timeout')
      return new RequestTimeoutError(x.service, x.method, redacted, x.timeoutMs);
    return new ConnectionFailedError(x.service, x.method, redacted, failure.code, failure.message);
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
    const started = Date.now();
    // Creating a token creates nothing a retry could duplicate, so connection errors, 5xx and
    // 429 are retried like an idempotent request. Not abortable by one caller: it is shared
    // (callers stop waiting for it through their own signal instead).
    const res = await this.exchange({
      service: 'identity',
      method: 'POST',
      url,
      body: Buffer.from(JSON.stringify(buildAuthRequestBody(this.options.auth))),
      headers: () => ({
        Accept: 'application/json',
        'Content-Type': 'application/json',
        'User-Agent': this.options.userAgent,
      }),
      timeoutMs: this.options.timeoutMs,
      signal: undefined,
      rules: { replayable: true, idempotent: true },
      authenticated: false,
    });
    const wire = new WireReader({
      service: 'identity',
      method: 'POST',
      url: res.url,
      status: res.status,
      requestId: res.requestId,
    });
    const subjectToken = res.headers['x-subject-token'];
    const token = parseTokenResponse(
      wire,
      Array.isArray(subjectToken) ? subjectToken[0] : subjectToken,
      res.body,
    );
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

function retryReason(error: Error): string {
  return error instanceof OpenStackHttpError
    ? `${error.status} ${error.serverMessage}`
    : error.message;
}
