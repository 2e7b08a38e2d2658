// The small HTTP vocabulary shared by every fake service: the parsed request a handler sees, the
// response it returns, and a path router. Handlers never touch node:http directly.
import type { IncomingHttpHeaders } from 'node:http';
import { randomUUID } from 'node:crypto';

export interface TokenRecord {
  id: string;
  userId: string;
  projectId: string;
  methods: string[];
  issuedAtMs: number;
  expiresAtMs: number;
  /** Set when the token came from an application credential. */
  applicationCredentialId?: string;
  /** Role names on the scoped project (e.g. reader, member; admin for the admin user). */
  roles: string[];
  /** Access rules of the application credential the token came from (Keystone 3.13+). */
  accessRules?: { service: string; method: string; path: string }[];
}

export interface WireRequest {
  method: string;
  /** Full path without the query. */
  path: string;
  /** Path below the service prefix, e.g. /v2.1/servers for /compute/v2.1/servers. */
  servicePath: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
  /** Origin of the fake, e.g. http://127.0.0.1:40123. */
  origin: string;
  requestId: string;
}

export interface RouteContext extends WireRequest {
  params: Record<string, string>;
  token: TokenRecord | null;
}

export type WireHeaders = Record<string, string | string[]>;

export interface WireResponse {
  status: number;
  headers?: WireHeaders;
  /** JSON body (serialised by the server); ignored when `raw` is set. */
  body?: unknown;
  raw?: Buffer | string;
}

export type RouteHandler = (ctx: RouteContext) => WireResponse | Promise<WireResponse>;

interface Route {
  method: string;
  pattern: RegExp;
  paramNames: string[];
  handler: RouteHandler;
  public: boolean;
}

export interface RouteMatch {
  handler: RouteHandler;
  params: Record<string, string>;
  public: boolean;
}

/** Routes like `/v2.1/servers/:id/action`; a trailing slash on the request is tolerated. */
export class Router {
  private readonly routes: Route[] = [];

  add(
    method: string,
    path: string,
    handler: RouteHandler,
    options: { public?: boolean } = {},
  ): this {
    const paramNames: string[] = [];
    const source = path
      .split('/')
      .map((segment) => {
        if (segment.startsWith(':')) {
          paramNames.push(segment.slice(1));
          return '([^/]+)';
        }
        return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      })
      .join('/');
    this.routes.push({
      method,
      pattern: new RegExp(`^${source}/?$`),
      paramNames,
      handler,
      public: options.public ?? false,
    });
    return this;
  }

  /** The matching route, 'method' when the path exists with another method, or null. */
  match(method: string, path: string): RouteMatch | 'method' | null {
    let pathKnown = false;
    for (const route of this.routes) {
      const found = route.pattern.exec(path);
      if (!found) continue;
      pathKnown = true;
      if (route.method !== method) continue;
      const params: Record<string, string> = {};
      route.paramNames.forEach((name, index) => {
        params[name] = decodeURIComponent(found[index + 1]);
      });
      return { handler: route.handler, params, public: route.public };
    }
    return pathKnown ? 'method' : null;
  }
}

export function newRequestId(): string {
  return `req-${randomUUID()}`;
}

export function json(status: number, body: unknown, headers: WireHeaders = {}): WireResponse {
  return { status, body, headers };
}

export function empty(status: number, headers: WireHeaders = {}): WireResponse {
  return { status, headers };
}

/** Thrown by handlers to answer at once with a service-shaped error. */
export class WireError extends Error {
  constructor(readonly response: WireResponse) {
    super(`wire error ${response.status}`);
  }
}

/** Parse a JSON request body; undefined when empty; WireError via `onInvalid` when not JSON. */
export function parseJsonBody(
  ctx: WireRequest,
  onInvalid: (message: string) => WireResponse,
): unknown {
  if (ctx.rawBody.length === 0) return undefined;
  try {
    return JSON.parse(ctx.rawBody.toString('utf8'));
  } catch {
    throw new WireError(onInvalid('Malformed request body'));
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Timestamps as the services print them. */
export const timestamps = {
  /** Nova / Glance / Neutron: 2026-11-25T18:30:00Z */
  seconds(ms: number = Date.now()): string {
    return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
  },
  /** Keystone expires_at / issued_at: 2026-11-26T18:28:51.000000Z */
  keystone(ms: number): string {
    return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
  },
  /**
   * Nova launched_at / terminated_at: 2026-11-25T18:30:05.000000 (no zone). The fraction is
   * always zero: Nova's DATETIME columns keep whole seconds (captures/nova/22-server-get-active-2.79.txt).
   */
  novaMicro(ms: number): string {
    return new Date(ms).toISOString().replace(/\.\d{3}Z$/, '.000000');
  },
};

export function hex(length: number): string {
  let out = '';
  while (out.length < length) out += randomUUID().replace(/-/g, '');
  return out.slice(0, length);
}
