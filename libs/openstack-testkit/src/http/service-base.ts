// What every fake service shares: prefix routing, token checking and the service's own error
// body shapes. A subclass registers routes and says how its errors look on the wire.
import type { ServiceName } from '../fake-openstack.types';
import type { TokenStore } from '../identity/token-store';
import {
  Router,
  WireError,
  type RouteContext,
  type WireHeaders,
  type WireRequest,
  type WireResponse,
} from './wire';

export abstract class FakeServiceBase {
  abstract readonly name: ServiceName;
  /** Path prefix on the fake's origin, e.g. /compute. */
  abstract readonly prefix: string;
  protected readonly router = new Router();

  constructor(protected readonly tokens: TokenStore) {}

  /** Headers every response of this service carries (request ids). */
  abstract commonHeaders(req: WireRequest): WireHeaders;
  /** The service's body for an error status (used for its own errors and injected faults). */
  abstract errorBody(status: number, message: string | undefined, req: WireRequest): unknown;

  error(
    status: number,
    message: string | undefined,
    req: WireRequest,
    headers: WireHeaders = {},
  ): WireResponse {
    return { status, body: this.errorBody(status, message, req), headers };
  }

  /** 401 as the service answers a missing/invalid/expired token (keystonemiddleware). */
  unauthorized(req: WireRequest): WireResponse {
    return this.error(401, undefined, req, {
      'WWW-Authenticate': `Keystone uri="${req.origin}/identity"`,
    });
  }

  /** Hook run before the route handler (e.g. microversion negotiation); may answer early. */
  protected before(_ctx: RouteContext): WireResponse | undefined {
    return undefined;
  }

  /** Hook to decorate every routed response (e.g. microversion headers). */
  protected after(_ctx: RouteContext, response: WireResponse): WireResponse {
    return response;
  }

  async handle(req: WireRequest): Promise<WireResponse> {
    const match = this.router.match(req.method, req.servicePath);
    if (match === null) return this.error(404, undefined, req);
    if (match === 'method') return this.error(405, undefined, req);
    let token = null;
    if (!match.public) {
      const header = req.headers['x-auth-token'];
      token = typeof header === 'string' ? this.tokens.validate(header) : null;
      if (!token) return this.unauthorized(req);
      // keystonemiddleware (in the other services, not in Keystone itself) refuses a call the
      // token's access rules do not allow with 401.
      if (
        this.name !== 'identity' &&
        !this.tokens.allows(token, this.name, req.method, req.servicePath)
      )
        return this.unauthorized(req);
    }
    const ctx: RouteContext = { ...req, params: match.params, token };
    try {
      const early = this.before(ctx);
      if (early) return this.after(ctx, early);
      return this.after(ctx, await match.handler(ctx));
    } catch (err) {
      if (err instanceof WireError) return this.after(ctx, err.response);
      throw err;
    }
  }
}

export const HTTP_TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  413: 'Request Entity Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export function httpTitle(status: number): string {
  return HTTP_TITLES[status] ?? 'Error';
}
