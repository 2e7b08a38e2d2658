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
 *   │   ├── QuotaExceededError         Nova 403/413 "Quota exceeded", Neutron 409 OverQuota
 *   │   ├── RateLimitedError           429 (and Nova's legacy 413 with Retry-After)
 *   │   └── ServiceUnavailableError    502 / 503 / 504
 *   ├── RequestTimeoutError            no complete answer within the request timeout
 *   ├── ConnectionFailedError          refused / reset / DNS / TLS failure
 *   ├── MalformedResponseError         body is not the JSON (shape) the API reference promises
 *   ├── ResourceFailedError            a waited-for resource entered a failure state
 *   │   └── ServerFaultError           a server went ERROR (carries Nova's fault message)
 *   ├── WaitTimeoutError               a waiter ran out of time
 *   ├── WaitAbortedError               a waiter's AbortSignal fired
 *   ├── ResourceGoneError              a resource vanished while we waited for it
 *   ├── ConfigError                    a bad setting (names the variable / clouds.yaml key)
 *   ├── EndpointNotFoundError          the catalog has no matching endpoint (lists what it has)
 *   ├── AmbiguousNameError             a name matched several resources (lists their ids)
 *   └── MicroversionNotSupportedError  the cloud's API version is too old for a feature
 *
 * Nothing here ever holds a token, password or secret: URLs are scrubbed by `redactUrl`, and
 * bodies are reduced to the server's own message.
 */

export type ServiceType = 'identity' | 'compute' | 'image' | 'network' | (string & {});

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
    super(`${details.service}: ${details.method} ${details.url} -> ${details.status}: ${details.serverMessage}${rid}`);
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
export class QuotaExceededError extends OpenStackHttpError {}
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

export class WaitAbortedError extends OpenStackError {
  constructor(
    readonly resource: string,
    readonly id: string,
    readonly target: string,
    readonly lastStatus: string | undefined,
  ) {
    super(`aborted waiting for ${resource} ${id} to become ${target} (last status: ${lastStatus ?? 'unknown'})`);
  }
}

export class ResourceGoneError extends OpenStackError {
  constructor(
    readonly resource: string,
    readonly id: string,
    readonly lastStatus: string | undefined,
  ) {
    super(`${resource} ${id} disappeared while waiting for it (last status: ${lastStatus ?? 'unknown'})`);
  }
}

export class ConfigError extends OpenStackError {
  constructor(
    /** The variable or clouds.yaml key, e.g. `OS_AUTH_URL` or `clouds.mycloud.auth.auth_url`. */
    readonly path: string,
    /** What was wrong. */
    readonly problem: string,
    /** What is allowed, when that is a short list. */
    readonly allowed?: string,
  ) {
    super(`${path}: ${problem}${allowed ? ` (allowed: ${allowed})` : ''}`);
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
    super(`${ids.length} ${resource}s are named "${resourceName}": ${ids.join(', ')}; use an id instead`);
  }
}

export class MicroversionNotSupportedError extends OpenStackError {
  constructor(
    readonly service: ServiceType,
    readonly feature: string,
    readonly required: string,
    readonly available: string,
  ) {
    super(`${service}: ${feature} needs microversion ${required}, but this client uses ${available}`);
  }
}
