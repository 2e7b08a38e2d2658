/**
 * A tiny scripted OpenStack on loopback for wire-level unit tests: one HTTP server on an
 * ephemeral 127.0.0.1 port, with Keystone, Nova, Glance and Neutron under path prefixes.
 * Keystone (POST /identity/v3/auth/tokens) and the Nova version document answer by default;
 * every other answer is scripted by the test with `on()` / `once()`, using payloads from
 * src/**\/__fixtures__ (copied from the API reference samples). Every request is recorded,
 * and tokens are checked the way keystonemiddleware does (401 with Keystone's body).
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  projectScopedTokenBody,
  keystoneUnauthorizedBody,
} from '../src/identity/__fixtures__/auth-password-project-scoped-response.fixture';
import { v21VersionGetResp } from '../src/compute/__fixtures__/v21-version-get-resp.fixture';
import { OpenStackClient, type OpenStackClientOptions } from '../src';

export interface SeenRequest {
  method: string;
  /** Path without the query. */
  pathname: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  json(): unknown;
  /** When the request arrived (ms since epoch). */
  at: number;
  /** Resolves when the connection that carried this request closes (e.g. the client aborted). */
  connectionClosed: Promise<void>;
}

export interface Reply {
  status: number;
  /** Objects are sent as JSON; strings and Buffers as they are. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Close the connection without answering. */
  destroy?: boolean;
  /** Never answer (until the server closes). */
  hang?: boolean;
}

export type Responder = (req: SeenRequest) => Reply | Promise<Reply>;

interface Route {
  method: string;
  path: string | RegExp;
  responder: Responder;
  once: boolean;
}

export interface LoopbackCloudOptions {
  /** Lifetime of issued tokens. Default 1 hour. */
  tokenTtlMs?: number;
  /** Max microversion in the Nova version document. Default 2.93 (the devcloud's). */
  computeMaxMicroversion?: string;
}

export const TEST_PASSWORD = 'pw-Sup3r-Secret-value';

export class LoopbackCloud {
  readonly requests: SeenRequest[] = [];
  readonly issuedTokens: string[] = [];
  private readonly validTokens = new Set<string>();
  private readonly routes: Route[] = [];
  private readonly sockets = new Set<import('node:net').Socket>();
  private readonly hanging = new Set<http.ServerResponse>();
  tokenTtlMs: number;
  computeMaxMicroversion: string;

  private constructor(
    private readonly server: http.Server,
    readonly baseUrl: string,
    options: LoopbackCloudOptions,
  ) {
    this.tokenTtlMs = options.tokenTtlMs ?? 3_600_000;
    this.computeMaxMicroversion = options.computeMaxMicroversion ?? '2.93';
  }

  static async start(options: LoopbackCloudOptions = {}): Promise<LoopbackCloud> {
    const holder: { cloud?: LoopbackCloud } = {};
    const server = http.createServer((req, res) => void holder.cloud?.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const cloud = new LoopbackCloud(server, `http://127.0.0.1:${port}`, options);
    holder.cloud = cloud;
    server.on('connection', (socket) => {
      cloud.sockets.add(socket);
      socket.on('close', () => cloud.sockets.delete(socket));
    });
    return cloud;
  }

  get authUrl(): string {
    return `${this.baseUrl}/identity/v3`;
  }
  get computeUrl(): string {
    return `${this.baseUrl}/compute/v2.1`;
  }
  /** Glance is registered at its root, as on the devcloud. */
  get imageUrl(): string {
    return `${this.baseUrl}/image`;
  }
  get networkUrl(): string {
    return `${this.baseUrl}/network`;
  }

  /** A client with fast retries, pointed at this cloud. */
  client(overrides: Partial<OpenStackClientOptions> = {}): OpenStackClient {
    return new OpenStackClient({
      auth: {
        authUrl: this.authUrl,
        username: 'admin',
        password: TEST_PASSWORD,
        userDomainName: 'Default',
        projectName: 'admin',
        projectDomainName: 'Default',
      },
      retry: { maxRetries: 3, baseDelayMs: 5, maxDelayMs: 200 },
      timeoutMs: 2_000,
      ...overrides,
    });
  }

  /** Answer `method path` with `responder` (newest registration first). */
  on(method: string, path: string | RegExp, responder: Responder): this {
    this.routes.unshift({ method, path, responder, once: false });
    return this;
  }

  /** Like on(), for one request only. */
  once(method: string, path: string | RegExp, responder: Responder): this {
    this.routes.unshift({ method, path, responder, once: true });
    return this;
  }

  /** Invalidate every token issued so far (as if Keystone revoked them). */
  revokeTokens(): void {
    this.validTokens.clear();
  }

  requestsTo(method: string, pathname: string | RegExp): SeenRequest[] {
    return this.requests.filter(
      (r) =>
        r.method === method &&
        (typeof pathname === 'string' ? r.pathname === pathname : pathname.test(r.pathname)),
    );
  }

  tokenRequests(): SeenRequest[] {
    return this.requestsTo('POST', '/identity/v3/auth/tokens');
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** One promise per keep-alive socket (many requests share it). */
  private readonly socketClosed = new WeakMap<import('node:net').Socket, Promise<void>>();
  private closeOf(socket: import('node:net').Socket): Promise<void> {
    let closed = this.socketClosed.get(socket);
    if (!closed) {
      closed = new Promise<void>((resolve) => {
        if (socket.destroyed) resolve();
        else socket.once('close', () => resolve());
      });
      this.socketClosed.set(socket, closed);
    }
    return closed;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const connectionClosed = this.closeOf(req.socket);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', this.baseUrl);
    const body = Buffer.concat(chunks);
    const seen: SeenRequest = {
      method: req.method ?? 'GET',
      pathname: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body,
      json: () => JSON.parse(body.toString('utf8')),
      at: Date.now(),
      connectionClosed,
    };
    this.requests.push(seen);
    const reply = await this.route(seen);
    if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
    if (reply.destroy) {
      req.socket.destroy();
      return;
    }
    if (reply.hang) {
      this.hanging.add(res);
      return;
    }
    const headers: Record<string, string> = {
      'x-openstack-request-id': `req-${this.requests.length}`,
      ...reply.headers,
    };
    let payload: Buffer | undefined;
    if (reply.body === undefined) payload = undefined;
    else if (Buffer.isBuffer(reply.body)) payload = reply.body;
    else if (typeof reply.body === 'string') payload = Buffer.from(reply.body);
    else {
      payload = Buffer.from(JSON.stringify(reply.body));
      headers['content-type'] ??= 'application/json';
    }
    headers['content-length'] = String(payload?.length ?? 0);
    res.writeHead(reply.status, headers);
    res.end(payload);
  }

  private async route(req: SeenRequest): Promise<Reply> {
    for (const [i, route] of this.routes.entries()) {
      if (route.method !== req.method) continue;
      const matches =
        typeof route.path === 'string'
          ? route.path === req.pathname
          : route.path.test(req.pathname);
      if (!matches) continue;
      if (req.pathname !== '/identity/v3/auth/tokens' && !this.tokenIsValid(req))
        return { status: 401, body: keystoneUnauthorizedBody };
      if (route.once) this.routes.splice(i, 1);
      return route.responder(req);
    }
    if (req.method === 'POST' && req.pathname === '/identity/v3/auth/tokens')
      return this.issueToken(req);
    if (!this.tokenIsValid(req)) return { status: 401, body: keystoneUnauthorizedBody };
    if (
      req.method === 'GET' &&
      (req.pathname === '/compute/v2.1/' || req.pathname === '/compute/v2.1')
    ) {
      return {
        status: 200,
        body: v21VersionGetResp(`${this.computeUrl}/`, this.computeMaxMicroversion),
      };
    }
    return {
      status: 404,
      body: {
        itemNotFound: {
          code: 404,
          message: `loopback cloud: no route for ${req.method} ${req.pathname}`,
        },
      },
    };
  }

  private tokenIsValid(req: SeenRequest): boolean {
    const token = req.headers['x-auth-token'];
    return typeof token === 'string' && this.validTokens.has(token);
  }

  /** Keystone: checks the password body and issues a token (value in X-Subject-Token). */
  issueToken(req: SeenRequest): Reply {
    const body = req.json() as {
      auth?: {
        identity?: {
          password?: { user?: { password?: string } };
          application_credential?: { secret?: string };
        };
      };
    };
    const secret =
      body.auth?.identity?.password?.user?.password ??
      body.auth?.identity?.application_credential?.secret;
    if (secret !== TEST_PASSWORD) return { status: 401, body: keystoneUnauthorizedBody };
    const token = `gAAAAAtoken-${this.issuedTokens.length + 1}-${Math.random().toString(36).slice(2)}`;
    this.issuedTokens.push(token);
    this.validTokens.add(token);
    const now = new Date();
    return {
      status: 201,
      headers: { 'x-subject-token': token },
      body: projectScopedTokenBody(
        {
          identity: `${this.authUrl}/`,
          compute: this.computeUrl,
          image: this.imageUrl,
          network: this.networkUrl,
        },
        now,
        new Date(now.getTime() + this.tokenTtlMs),
      ),
    };
  }
}
