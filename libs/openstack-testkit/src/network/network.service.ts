// Fake Neutron v2.0: the version document and resource index, Neutron's list semantics (filters,
// limit/marker pagination), NeutronError bodies, and the L3 switch. Resource handlers live beside
// this file (networks, subnets, security groups, ports, floating IPs, quotas), as compute's do.
import type {
  FakeCloudState,
  FakeCredentials,
  FakeNetwork,
  FakePort,
  FakeQuota,
} from '../fake-openstack.types';
import { FakeServiceBase } from '../http/service-base';
import {
  WireError,
  isRecord,
  json,
  type RouteContext,
  type WireHeaders,
  type WireRequest,
  type WireResponse,
} from '../http/wire';
import type { TokenStore } from '../identity/token-store';
import type { CloudLifecycle } from '../state/cloud-lifecycle';
import { neutronVersionsResponse } from '../fixtures/neutron-resources-show-response.v2.0';
import { neutronError, neutronHttpError } from '../fixtures/neutron-error-response.v2.0';
import { FloatingIpsHandlers } from './floating-ips.handlers';
import { NetworksHandlers } from './networks.handlers';
import { PortsHandlers } from './ports.handlers';
import { QuotasHandlers } from './quotas.handlers';
import { SecurityGroupsHandlers } from './security-groups.handlers';
import { SubnetsHandlers } from './subnets.handlers';

export interface NetworkSettings {
  state: FakeCloudState;
  quota: FakeQuota;
  credentials: FakeCredentials;
  lifecycle: CloudLifecycle;
  l3: boolean;
  /** The devcloud's guard: 400 for any subnet outside 127.0.0.0/8. */
  loopbackSubnetsOnly: boolean;
}

export type View = Record<string, unknown>;

/** What resource handlers get from the network service. */
export interface NeutronApi {
  readonly settings: NetworkSettings;
  /** Neutron list semantics over these views. */
  list(ctx: RouteContext, collection: string, views: View[]): WireResponse;
  /** The `{"<key>": {...}}` request body, or Neutron's 400. */
  body(ctx: RouteContext, key: string): Record<string, unknown>;
  /** A NeutronError `{type, message}` answer, thrown to end the handler. */
  fail(status: number, type: string, message: string): never;
  /** 400 InvalidInput "Invalid input for operation: ...". */
  invalid(message: string): never;
  /** Neutron's 400 when a required attribute is missing (or not a string). */
  requireString<K extends string>(
    req: Record<string, unknown>,
    key: K,
  ): asserts req is Record<string, unknown> & Record<K, string>;
  /** 409 OverQuota for this resource. */
  overQuota(resource: string): never;
  network(id: string): FakeNetwork;
  port(id: string): FakePort;
}

const RESERVED_QUERY = new Set([
  'fields',
  'limit',
  'marker',
  'sort_key',
  'sort_dir',
  'page_reverse',
]);
const BOOLEAN_FILTERS = new Set([
  'admin_state_up',
  'shared',
  'router:external',
  'enable_dhcp',
  'port_security_enabled',
  'stateful',
]);

export class NetworkService extends FakeServiceBase implements NeutronApi {
  readonly name = 'network' as const;
  readonly prefix = '/network';

  constructor(
    tokens: TokenStore,
    readonly settings: NetworkSettings,
  ) {
    super(tokens);
    this.router
      .add('GET', '/', (ctx) => json(200, neutronVersionsResponse(`${ctx.origin}${this.prefix}`)), {
        public: true,
      })
      .add('GET', '/v2.0', (ctx) => this.resources(ctx));
    new NetworksHandlers(this).register(this.router);
    new SubnetsHandlers(this).register(this.router);
    new SecurityGroupsHandlers(this).register(this.router);
    new PortsHandlers(this).register(this.router);
    new FloatingIpsHandlers(this).register(this.router);
    new QuotasHandlers(this).register(this.router);
  }

  commonHeaders(req: WireRequest): WireHeaders {
    // Neutron's version document carries no request id (captures/neutron/01-get-root.txt).
    return req.servicePath === '/' ? {} : { 'X-Openstack-Request-Id': req.requestId };
  }

  errorBody(status: number, message: string | undefined): unknown {
    return neutronHttpError(status, message);
  }

  protected override before(ctx: RouteContext): WireResponse | undefined {
    const accept = ctx.headers.accept;
    if (typeof accept === 'string' && /text\/html/.test(accept) && !/json|\*\/\*/.test(accept)) {
      return this.error(406, undefined, ctx);
    }
    if (!this.settings.l3 && /^\/v2\.0\/(floatingips|routers)(\/|$)/.test(ctx.servicePath)) {
      return this.error(404, undefined, ctx);
    }
    return undefined;
  }

  fail(status: number, type: string, message: string): never {
    throw new WireError({ status, body: neutronError(type, message) });
  }

  invalid(message: string): never {
    return this.fail(400, 'InvalidInput', `Invalid input for operation: ${message}`);
  }

  private resources(ctx: RouteContext): WireResponse {
    // Only /v2.0/ with a trailing slash is the resource index (captures/neutron/02-get-v2.0.txt).
    if (!ctx.path.endsWith('/')) return this.error(404, undefined, ctx);
    const base = `${ctx.origin}${this.prefix}/v2.0`;
    return json(200, {
      resources: [
        ['network', 'networks'],
        ['subnet', 'subnets'],
        ['subnetpool', 'subnetpools'],
        ['port', 'ports'],
      ].map(([name, collection]) => ({
        name,
        collection,
        links: [{ rel: 'self', href: `${base}/${collection}` }],
      })),
    });
  }

  /** Neutron list semantics: attribute filters (repeat a key to OR values), limit/marker links. */
  list(ctx: RouteContext, collection: string, views: View[]): WireResponse {
    let items = views;
    const keys = new Set([...ctx.query.keys()].filter((k) => !RESERVED_QUERY.has(k)));
    for (const key of keys) {
      const wanted = ctx.query.getAll(key).map((value) => {
        if (!BOOLEAN_FILTERS.has(key)) return value;
        const lower = value.toLowerCase();
        if (['true', '1', 'yes', 'y', 't', 'on'].includes(lower)) return 'true';
        if (['false', '0', 'no', 'n', 'f', 'off'].includes(lower)) return 'false';
        return this.invalid(`'${value}' cannot be converted to boolean.`);
      });
      if (items.length > 0 && !(key in items[0])) {
        this.fail(400, 'HTTPBadRequest', `[${key}] is invalid attribute for filtering`);
      }
      items = items.filter((item) => wanted.includes(String(item[key])));
    }
    items = [...items].sort((a, b) => String(a.id).localeCompare(String(b.id)));
    const body: Record<string, unknown> = {};
    const limitText = ctx.query.get('limit');
    const marker = ctx.query.get('marker');
    if (marker !== null) {
      const index = items.findIndex((item) => item.id === marker);
      if (index < 0) this.fail(404, 'HTTPNotFound', `Marker ${marker} could not be found.`);
      items = items.slice(index + 1);
    }
    if (limitText !== null) {
      const limit = Number(limitText);
      if (!Number.isInteger(limit) || limit < 0) this.invalid(`'${limitText}' is not an integer`);
      const page = limit > 0 ? items.slice(0, limit) : items;
      const links: unknown[] = [];
      const base = `${ctx.origin}${ctx.path}`;
      if (limit > 0 && page.length === limit) {
        const next = new URLSearchParams(ctx.query);
        next.set('marker', String(page[page.length - 1].id));
        links.push({ rel: 'next', href: `${base}?${next.toString()}` });
      }
      if (marker !== null && page.length > 0) {
        const previous = new URLSearchParams(ctx.query);
        previous.set('marker', String(page[0].id));
        previous.set('page_reverse', 'True');
        links.push({ rel: 'previous', href: `${base}?${previous.toString()}` });
      }
      body[collection] = page;
      if (links.length) body[`${collection}_links`] = links;
      return json(200, body);
    }
    body[collection] = items;
    return json(200, body);
  }

  body(ctx: RouteContext, key: string): Record<string, unknown> {
    let parsed: unknown;
    try {
      parsed = ctx.rawBody.length ? JSON.parse(ctx.rawBody.toString('utf8')) : undefined;
    } catch {
      return this.fail(400, 'HTTPBadRequest', 'Malformed request body');
    }
    const inner = isRecord(parsed) ? parsed[key] : undefined;
    if (!isRecord(inner)) this.fail(400, 'HTTPBadRequest', `Resource body required`);
    return inner;
  }

  requireString<K extends string>(
    req: Record<string, unknown>,
    key: K,
  ): asserts req is Record<string, unknown> & Record<K, string> {
    if (typeof req[key] !== 'string')
      this.fail(
        400,
        'HTTPBadRequest',
        `Failed to parse request. Required attribute '${key}' not specified`,
      );
  }

  overQuota(resource: string): never {
    return this.fail(409, 'OverQuota', `Quota exceeded for resources: ['${resource}'].`);
  }

  network(id: string): FakeNetwork {
    const network = this.settings.state.networks.get(id);
    if (!network) this.fail(404, 'NetworkNotFound', `Network ${id} could not be found.`);
    return network;
  }

  port(id: string): FakePort {
    const port = this.settings.state.ports.get(id);
    if (!port) this.fail(404, 'PortNotFound', `Port ${id} could not be found.`);
    return port;
  }
}
