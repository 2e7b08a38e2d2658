/**
 * The single error hierarchy of @osa/openstack-client (the shape of openstacksdk's exceptions.py).
 *
 *   OpenStackError
 *   ├── OpenStackHttpError             an HTTP error answer from a service
 *   │   ├── BadRequestError            400
 *   │   ├── UnauthorizedError          401 (after the one re-authentication attempt)
 *   │   ├── ForbiddenError             403
 *   │   │   (QuotaExceededError is a sibling: Nova says 403 "Quota exceeded", Neutron 409 OverQuota)
 *   │   ├── NotFoundError              404
 *   │   ├── ConflictError              409
 *   │   │   └── ImmutableResourceError Octavia 409 "... is immutable and cannot be updated" (PENDING_*)
 *   │   ├── PreconditionFailedError    412 (Neutron's If-Match: revision_number=N did not match)
 *   │   ├── QuotaExceededError         Nova 403/413 "Quota exceeded", Neutron 409 OverQuota
 *   │   ├── RateLimitedError           429 (and Nova's legacy 413 with Retry-After)
 *   │   └── ServiceUnavailableError    502 / 503 / 504
 *   ├── RequestTimeoutError            no complete answer within the request timeout
 *   ├── ConnectionFailedError          refused / reset / DNS / TLS failure
 *   ├── MalformedResponseError         body is not the JSON (shape) the API reference promises
 *   ├── ResourceFailedError            a waited-for resource entered a failure state
 *   │   └── ServerFaultError           a server went ERROR (carries Nova's fault message)
 *   ├── WaitTimeoutError               a waiter ran out of time
 *   ├── AbortedError                   the caller's AbortSignal fired (carries the signal's reason)
 *   │   ├── RequestAbortedError        ... during a request or its retry back-off (socket destroyed)
 *   │   └── WaitAbortedError           ... during a waiter
 *   ├── ResourceGoneError              a resource vanished while we waited for it
 *   ├── ConfigError                    a bad setting (names the variable / clouds.yaml key)
 *   ├── InvalidArgumentError           a bad argument to a client method (names the field)
 *   ├── EndpointNotFoundError          the catalog has no matching endpoint (lists what it has)
 *   ├── AmbiguousNameError             a name matched several resources (lists their ids)
 *   ├── AddressSelectionError          no (or no single) server address matches (lists what it has)
 *   └── MicroversionNotSupportedError  the cloud's API version is too old for a feature
 *
 * Nothing here ever holds a token, password or secret: URLs are scrubbed by `redactUrl`, and
 * bodies are reduced to the server's own message.
 */

export type ServiceType =
  'identity' | 'compute' | 'image' | 'network' | 'load-balancer' | (string & {});

export class OpenStackError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export interface HttpErrorDetails {
  status: number;
  service: ServiceType;
  method: string;
  /** Request URL with userinfo and secret-looking query parameters removed. */
  url: string;
  /** From `x-openstack-request-id` or `x-compute-request-id`, when the service sent one. */
  requestId?: string;
  /** The message parsed from the service's own error body format. */
  serverMessage: string;
  /** Neutron's `NeutronError.type` (e.g. `SecurityGroupRuleExists`), Nova's envelope key
   *  (e.g. `itemNotFound`) or Keystone/Glance's `title`, when present. */
  errorType?: string;
  /** Parsed `Retry-After`, when the service sent one. */
  retryAfterMs?: number;
}

export class OpenStackHttpError extends OpenStackError implements HttpErrorDetails {
  readonly status: number;
  readonly service: ServiceType;
  readonly method: string;
  readonly url: string;
  readonly requestId?: string;
  readonly serverMessage: string;
  readonly errorType?: string;
  readonly retryAfterMs?: number;

  constructor(details: HttpErrorDetails) {
    const rid = details.requestId ? ` [${details.requestId}]` : '';
    super(
      `${details.service}: ${details.method} ${details.url} -> ${details.status}: ${details.serverMessage}${rid}`,
    );
    this.status = details.status;
    this.service = details.service;
    this.method = details.method;
    this.url = details.url;
    this.requestId = details.requestId;
    this.serverMessage = details.serverMessage;
    this.errorType = details.errorType;
    this.retryAfterMs = details.retryAfterMs;
  }
}

export class BadRequestError extends OpenStackHttpError {}
export class UnauthorizedError extends OpenStackHttpError {}
export class ForbiddenError extends OpenStackHttpError {}
export class NotFoundError extends OpenStackHttpError {}
export class ConflictError extends OpenStackHttpError {}
/**
 * Octavia refused a change because the load balancer (or the object) is in a PENDING_* state:
 * 409 "Load Balancer <id> is immutable and cannot be updated." Nothing was changed, so the
 * same request may be sent again once the load balancer is ACTIVE (the load-balancer section
 * retries it, boundedly).
 */
export class ImmutableResourceError extends ConflictError {}

/**
 * Nova 403 (older Novas 413) "Quota exceeded for cores: Requested 2, but already used 49 of 50
 * cores" (nova/exception.py OverQuota), Neutron 409 OverQuota "Quota exceeded for resources:
 * ['port']." `quota` names the resource when the message says it; the figures are Nova's.
 */
export class QuotaExceededError extends OpenStackHttpError {
  /** The quota that was hit (`instances`, `cores`, `ram`, `port` ...), when the message names it. */
  readonly quota?: string;
  readonly requested?: number;
  readonly used?: number;
  readonly limit?: number;

  constructor(details: HttpErrorDetails) {
    super(details);
    const nova =
      /Quota exceeded for ([a-z_]+): Requested (\d+), but already used (\d+) of (-?\d+)/i.exec(
        details.serverMessage,
      );
    if (nova) {
      this.quota = nova[1];
      this.requested = Number(nova[2]);
      this.used = Number(nova[3]);
      this.limit = Number(nova[4]);
      return;
    }
    const named = /Quota exceeded for (?:resources: \['([a-z_]+)'|([a-z_]+)\b)/i.exec(
      details.serverMessage,
    );
    if (named) this.quota = named[1] ?? named[2];
  }
}

/**
 * 412: a conditional update lost its compare-and-set (Neutron `RevisionNumberConstraintFailed`,
 * "Constrained to 1, but current revision is 2"): somebody else changed the resource first.
 */
export class PreconditionFailedError extends OpenStackHttpError {}
export class RateLimitedError extends OpenStackHttpError {}
export class ServiceUnavailableError extends OpenStackHttpError {}

export class RequestTimeoutError extends OpenStackError {
  constructor(
    readonly service: ServiceType,
    readonly method: string,
    readonly url: string,
    readonly timeoutMs: number,
  ) {
    super(`${service}: ${method} ${url} got no complete answer within ${timeoutMs} ms`);
  }
}

export class ConnectionFailedError extends OpenStackError {
  constructor(
    readonly service: ServiceType,
    readonly method: string,
    readonly url: string,
    /** Node's error code, e.g. ECONNREFUSED, ECONNRESET, ENOTFOUND, DEPTH_ZERO_SELF_SIGNED_CERT. */
    readonly code: string | undefined,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${service}: ${method} ${url} failed: ${reason}${code ? ` (${code})` : ''}`, options);
  }
}

export class MalformedResponseError extends OpenStackError {
  constructor(
    readonly service: ServiceType,
    readonly method: string,
    readonly url: string,
    readonly status: number,
    /** What was wrong, e.g. "body is not JSON" or "missing string field server.id". */
    readonly reason: string,
    readonly requestId?: string,
  ) {
    super(
      `${service}: ${method} ${url} -> ${status}: malformed response: ${reason}${requestId ? ` [${requestId}]` : ''}`,
    );
  }
}

export class ResourceFailedError extends OpenStackError {
  constructor(
    readonly resource: string,
    readonly id: string,
    readonly status: string,
    readonly reason: string,
  ) {
    super(`${resource} ${id} entered failure state ${status}: ${reason}`);
  }
}

/** A server went to ERROR; `faultMessage` is Nova's `fault.message` (when Nova gave one). */
export class ServerFaultError extends ResourceFailedError {
  constructor(
    id: string,
    status: string,
    readonly faultMessage: string | undefined,
    readonly faultCode: number | undefined,
  ) {
    super('server', id, status, faultMessage ?? 'Nova reported no fault message');
  }
}

export class WaitTimeoutError extends OpenStackError {
  constructor(
    readonly resource: string,
    readonly id: string,
    readonly target: string,
    readonly lastStatus: string | undefined,
    readonly timeoutMs: number,
  ) {
    super(
      `timed out after ${timeoutMs} ms waiting for ${resource} ${id} to become ${target} (last status: ${lastStatus ?? 'unknown'})`,
    );
  }
}

/**
 * The caller's AbortSignal fired. Never retried. `reason` is the signal's own reason (e.g. the
 * TimeoutError of `AbortSignal.timeout()`), also kept as `cause`.
 */
export class AbortedError extends OpenStackError {
  constructor(
    message: string,
    readonly reason: unknown,
  ) {
    super(`${message}${describeAbortReason(reason)}`, { cause: reason });
  }
}

/** A request was aborted: in flight (its HTTP request destroyed), before it was sent, or while backing off. */
export class RequestAbortedError extends AbortedError {
  constructor(
    readonly service: ServiceType,
    readonly method: string,
    readonly url: string,
    reason: unknown,
  ) {
    super(`${service}: ${method} ${url} aborted`, reason);
  }
}

export class WaitAbortedError extends AbortedError {
  constructor(
    readonly resource: string,
    readonly id: string,
    readonly target: string,
    readonly lastStatus: string | undefined,
    reason?: unknown,
  ) {
    super(
      `aborted waiting for ${resource} ${id} to become ${target} (last status: ${lastStatus ?? 'unknown'})`,
      reason,
    );
  }
}

/** ": <reason>" for an Error reason other than the default AbortError, else "". */
function describeAbortReason(reason: unknown): string {
  if (reason instanceof Error && reason.name !== 'AbortError') return `: ${reason.message}`;
  return '';
}

export class ResourceGoneError extends OpenStackError {
  constructor(
    readonly resource: string,
    readonly id: string,
    readonly lastStatus: string | undefined,
  ) {
    super(
      `${resource} ${id} disappeared while waiting for it (last status: ${lastStatus ?? 'unknown'})`,
    );
  }
}

export class ConfigError extends OpenStackError {
  constructor(
    /** The variable or clouds.yaml key, e.g. `OS_AUTH_URL` or `clouds.mycloud.auth.auth_url`. */
    readonly path: string,
    /** What was wrong. */
    readonly problem: string,
    /** What is allowed or how to fix it, e.g. "allowed: public, internal, admin". */
    readonly hint?: string,
  ) {
    super(`${path}: ${problem}${hint ? ` (${hint})` : ''}`);
  }
}

/** A bad argument to a client method, caught before anything is sent. */
export class InvalidArgumentError extends OpenStackError {
  constructor(
    /** e.g. `createServer.networks`. */
    readonly field: string,
    readonly problem: string,
    /** What is allowed or how to fix it. */
    readonly hint?: string,
  ) {
    super(`${field}: ${problem}${hint ? ` (${hint})` : ''}`);
  }
}

export interface CatalogEndpointSummary {
  serviceType: string;
  interface: string;
  region: string | undefined;
  url: string;
}

export class EndpointNotFoundError extends OpenStackError {
  constructor(
    readonly serviceType: string,
    readonly wantedInterface: string,
    readonly wantedRegion: string | undefined,
    readonly available: readonly CatalogEndpointSummary[],
  ) {
    const offered =
      available.length === 0
        ? 'the catalog is empty'
        : `the catalog offers: ${available
            .map((e) => `${e.serviceType}/${e.interface}${e.region ? `@${e.region}` : ''}`)
            .join(', ')}`;
    super(
      `no ${serviceType} endpoint with interface ${wantedInterface}${wantedRegion ? ` in region ${wantedRegion}` : ''}; ${offered}`,
    );
  }
}

export class AmbiguousNameError extends OpenStackError {
  constructor(
    readonly resource: string,
    readonly resourceName: string,
    readonly ids: readonly string[],
  ) {
    super(
      `${ids.length} ${resource}s are named "${resourceName}": ${ids.join(', ')}; use an id instead`,
    );
  }
}

export class AddressSelectionError extends OpenStackError {
  constructor(
    readonly serverId: string,
    /** none: nothing matched; ambiguous: matches on several networks and no networkName given. */
    readonly reason: 'none' | 'ambiguous',
    message: string,
  ) {
    super(message);
  }
}

export class MicroversionNotSupportedError extends OpenStackError {
  constructor(
    readonly service: ServiceType,
    /** What needed it, e.g. "server tags at create". */
    readonly feature: string,
    /** The microversion (or range) required. */
    readonly required: string,
    /** What is available: the negotiated microversion or the cloud's range. */
    readonly available: string,
  ) {
    super(`${service}: ${feature} needs microversion ${required}, but ${available}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Building errors from responses: the one place that knows each service's error body format.
// ---------------------------------------------------------------------------------------------

const SECRET_QUERY_KEYS = /token|password|secret|signature|key|credential/i;

/** A URL safe to put in messages: no userinfo, secret-looking query values masked. */
export function redactUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return raw.replace(/\/\/[^/@]*@/, '//');
  }
  url.username = '';
  url.password = '';
  for (const key of [...url.searchParams.keys()]) {
    if (SECRET_QUERY_KEYS.test(key)) url.searchParams.set(key, '***');
  }
  return url.toString();
}

export interface ParsedErrorBody {
  message: string;
  errorType?: string;
}

const MAX_MESSAGE_CHARS = 500;

function tidy(text: string): string {
  const flat = text
    .replace(/<br\s*\/?>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return flat.length > MAX_MESSAGE_CHARS ? `${flat.slice(0, MAX_MESSAGE_CHARS)}...` : flat;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads the message out of an OpenStack error body. Formats (all seen on the devcloud, Zed):
 * - Neutron: `{"NeutronError": {"type": "OverQuota", "message": "...", "detail": ""}}`
 * - Keystone and keystonemiddleware 401s everywhere: `{"error": {"code": 401, "title": "Unauthorized", "message": "..."}}`
 * - Glance (webob): `{"message": "...<br /><br />", "code": "404 Not Found", "title": "Not Found"}`
 * - Nova: one envelope key named for the fault: `{"itemNotFound": {"code": 404, "message": "..."}}`
 *   (also `badRequest`, `forbidden`, `conflictingRequest`, `computeFault`, `overLimit`)
 * - Octavia (wsme/pecan): `{"faultcode": "Client", "faultstring": "...", "debuginfo": null}`
 * - HTML or plain text (proxies, Glance when not asked for JSON): tags stripped.
 */
export function parseErrorBody(
  body: Buffer | string,
  contentType: string | undefined,
): ParsedErrorBody {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  if (text.trim() === '') return { message: '(empty body)' };
  let parsed: unknown;
  if (!contentType || /json/i.test(contentType) || /^\s*[[{]/.test(text)) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
  }
  if (isRecord(parsed)) {
    const neutron = parsed['NeutronError'];
    if (isRecord(neutron) && typeof neutron['message'] === 'string') {
      const detail =
        typeof neutron['detail'] === 'string' && neutron['detail'] ? ` (${neutron['detail']})` : '';
      return {
        message: tidy(neutron['message'] + detail),
        errorType: typeof neutron['type'] === 'string' ? neutron['type'] : undefined,
      };
    }
    if (typeof neutron === 'string') return { message: tidy(neutron) };
    if (typeof parsed['faultstring'] === 'string') {
      return {
        message: tidy(parsed['faultstring']),
        errorType: typeof parsed['faultcode'] === 'string' ? parsed['faultcode'] : undefined,
      };
    }
    const keystone = parsed['error'];
    if (isRecord(keystone) && typeof keystone['message'] === 'string') {
      return {
        message: tidy(keystone['message']),
        errorType: typeof keystone['title'] === 'string' ? keystone['title'] : undefined,
      };
    }
    if (typeof parsed['message'] === 'string') {
      return {
        message: tidy(parsed['message']),
        errorType: typeof parsed['title'] === 'string' ? parsed['title'] : undefined,
      };
    }
    const keys = Object.keys(parsed);
    if (keys.length === 1) {
      const envelope = parsed[keys[0]];
      if (isRecord(envelope) && typeof envelope['message'] === 'string') {
        return { message: tidy(envelope['message']), errorType: keys[0] };
      }
    }
    return { message: tidy(text) };
  }
  return { message: tidy(text) };
}

/** Parses Retry-After (seconds or an HTTP date) into milliseconds from `nowMs`. */
export function parseRetryAfterMs(
  header: string | undefined,
  nowMs = Date.now(),
): number | undefined {
  if (header === undefined) return undefined;
  const value = header.trim();
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

export interface ErrorResponse {
  service: ServiceType;
  method: string;
  url: string;
  status: number;
  body: Buffer | string;
  contentType?: string;
  requestId?: string;
  retryAfter?: string;
}

const QUOTA_MESSAGE = /quota exceeded|exceeded quota|over ?quota/i;
/** Octavia's 409 for a change to a load balancer (or object) in a PENDING_* state. */
const IMMUTABLE_MESSAGE = /is immutable and cannot be updated/i;

/** The one function that turns an HTTP error answer into the right OpenStackHttpError subclass. */
export function errorFromResponse(response: ErrorResponse): OpenStackHttpError {
  const { message, errorType } = parseErrorBody(response.body, response.contentType);
  const details: HttpErrorDetails = {
    status: response.status,
    service: response.service,
    method: response.method,
    url: redactUrl(response.url),
    requestId: response.requestId,
    serverMessage: message,
    errorType,
    retryAfterMs: parseRetryAfterMs(response.retryAfter),
  };
  const status = response.status;
  // Quota: Nova answers 403 "Quota exceeded for instances: ..." (older Novas 413 overLimit);
  // Neutron answers 409 with NeutronError.type OverQuota.
  if (
    errorType === 'OverQuota' ||
    ((status === 403 || status === 413 || status === 409) && QUOTA_MESSAGE.test(message))
  ) {
    return new QuotaExceededError(details);
  }
  switch (status) {
    case 400:
      return new BadRequestError(details);
    case 401:
      return new UnauthorizedError(details);
    case 403:
      return new ForbiddenError(details);
    case 404:
      return new NotFoundError(details);
    case 409:
      return IMMUTABLE_MESSAGE.test(message)
        ? new ImmutableResourceError(details)
        : new ConflictError(details);
    case 412:
      return new PreconditionFailedError(details);
    case 413:
      // Nova's legacy rate limit: 413 overLimit with Retry-After.
      return details.retryAfterMs !== undefined
        ? new RateLimitedError(details)
        : new OpenStackHttpError(details);
    case 429:
      return new RateLimitedError(details);
    case 502:
    case 503:
    case 504:
      return new ServiceUnavailableError(details);
    default:
      return new OpenStackHttpError(details);
  }
}
