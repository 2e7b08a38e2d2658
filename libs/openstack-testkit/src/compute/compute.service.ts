// Fake Nova v2.1: version documents, microversion negotiation (echoed on every response, 406
// when unsupported), servers, flavors, keypairs, limits, quota sets and the deprecated image proxy. Resource handlers live beside this
// file; this class owns routing, the negotiated microversion and Nova's error shapes.
import type {
  FakeCloudState,
  FakeComputeHost,
  FakeCredentials,
  FakeEndpoints,
  FakeQuota,
} from '../fake-openstack.types';
import { FakeServiceBase } from '../http/service-base';
import {
  WireError,
  json,
  type RouteContext,
  type WireHeaders,
  type WireRequest,
  type WireResponse,
} from '../http/wire';
import type { TokenStore } from '../identity/token-store';
import type { CloudLifecycle } from '../state/cloud-lifecycle';
import { NOVA_ERROR_CONTENT_TYPE, novaFault } from '../fixtures/nova-error-response.v2.1';
import { novaVersionResponse, novaVersionsResponse } from '../fixtures/nova-versions-get-resp.v2.1';
import {
  formatMicroversion,
  parseMicroversion,
  requestedMicroversion,
  type Microversion,
} from './microversion';
import { ServersHandlers } from './servers.handlers';
import { FlavorsHandlers } from './flavors.handlers';
import { KeypairsHandlers } from './keypairs.handlers';
import { QuotaSetsHandlers } from './quota-sets.handlers';
import { ImagesProxyHandlers } from './images-proxy.handlers';
import { ServerGroupsHandlers } from './server-groups.handlers';

export interface ComputeSettings {
  state: FakeCloudState;
  quota: FakeQuota;
  credentials: FakeCredentials;
  lifecycle: CloudLifecycle;
  maxMicroversion: string;
  endpoints: () => FakeEndpoints;
  /** The scheduler's hosts and their zones (FakeOpenStack.computeHosts, read at each create). */
  computeHosts: () => readonly FakeComputeHost[];
}

/** What resource handlers get from the compute service. */
export interface ComputeApi {
  readonly settings: ComputeSettings;
  version(ctx: RouteContext): Microversion;
  /** A response in Nova's error shape. */
  error(status: number, message: string | undefined, req: WireRequest): WireResponse;
  /** 4xx/5xx in Nova's shape, thrown to end the handler. */
  fail(status: number, message: string, ctx: WireRequest): never;
  /** http://host:port/compute/v2.1 and http://host:port/compute (bookmark root). */
  urls(ctx: WireRequest): { computeUrl: string; computeRoot: string };
}

export class ComputeService extends FakeServiceBase implements ComputeApi {
  readonly name = 'compute' as const;
  readonly prefix = '/compute';
  private readonly maxVersion: Microversion;
  private readonly versions = new WeakMap<RouteContext, Microversion>();
  /** Requested version text, echoed even when unsupported (captures/nova/03b-bad-microversion.txt). */
  private readonly echoed = new WeakMap<RouteContext, string>();

  constructor(
    tokens: TokenStore,
    readonly settings: ComputeSettings,
  ) {
    super(tokens);
    const max = parseMicroversion(settings.maxMicroversion);
    if (!max)
      throw new Error(`computeMaxMicroversion must look like 2.N, got ${settings.maxMicroversion}`);
    this.maxVersion = max;
    this.router
      .add(
        'GET',
        '/',
        (ctx) =>
          json(200, novaVersionsResponse(this.urls(ctx).computeRoot, settings.maxMicroversion)),
        {
          public: true,
        },
      )
      .add(
        'GET',
        '/v2.1',
        (ctx) =>
          json(200, novaVersionResponse(this.urls(ctx).computeRoot, settings.maxMicroversion)),
        {
          public: true,
        },
      );
    new ServersHandlers(this).register(this.router);
    new ServerGroupsHandlers(this).register(this.router);
    new FlavorsHandlers(this).register(this.router);
    new KeypairsHandlers(this).register(this.router);
    new QuotaSetsHandlers(this).register(this.router);
    new ImagesProxyHandlers(this).register(this.router);
  }

  commonHeaders(req: WireRequest): WireHeaders {
    // Nova's root version document carries no request id (captures/SUMMARY.md, request-id headers).
    if (req.servicePath === '/') return {};
    return { 'x-openstack-request-id': req.requestId, 'x-compute-request-id': req.requestId };
  }

  errorBody(status: number, message: string | undefined): unknown {
    return novaFault(status, message);
  }

  override error(
    status: number,
    message: string | undefined,
    _req: WireRequest,
    headers: WireHeaders = {},
  ): WireResponse {
    return {
      status,
      body: this.errorBody(status, message),
      // keystonemiddleware answers the 401 before Nova, without a charset
      // (captures/nova/03-no-token.txt); Nova's own faults carry one.
      headers: {
        'Content-Type': status === 401 ? 'application/json' : NOVA_ERROR_CONTENT_TYPE,
        ...headers,
      },
    };
  }

  version(ctx: RouteContext): Microversion {
    return this.versions.get(ctx) ?? { major: 2, minor: 1 };
  }

  fail(status: number, message: string, ctx: WireRequest): never {
    throw new WireError(this.error(status, message, ctx));
  }

  urls(ctx: WireRequest): { computeUrl: string; computeRoot: string } {
    return {
      computeUrl: `${ctx.origin}${this.prefix}/v2.1`,
      computeRoot: `${ctx.origin}${this.prefix}`,
    };
  }

  protected override before(ctx: RouteContext): WireResponse | undefined {
    if (ctx.servicePath === '/' || ctx.servicePath === '') return undefined;
    const requested = requestedMicroversion(ctx.headers, this.maxVersion);
    if (requested.kind === 'ok') {
      this.versions.set(ctx, requested.version);
      return undefined;
    }
    this.echoed.set(ctx, requested.text);
    if (requested.kind === 'invalid') {
      return this.error(
        400,
        `API Version String ${requested.text} is of invalid format. Must be of format MajorNum.MinorNum.`,
        ctx,
      );
    }
    return this.error(
      406,
      `Version ${requested.text} is not supported by the API. Minimum is 2.1 and maximum is ${this.settings.maxMicroversion}.`,
      ctx,
    );
  }

  protected override after(ctx: RouteContext, response: WireResponse): WireResponse {
    if (ctx.servicePath === '/' || ctx.servicePath === '') return response;
    const text = this.echoed.get(ctx) ?? formatMicroversion(this.version(ctx));
    // Nova labels its empty 202/204 answers application/json too (captures/nova/33-server-stop.txt,
    // 40-server-delete.txt, 17-keypair-delete.txt); handlers that differ set their own type.
    const emptyBody = response.body === undefined && response.raw === undefined;
    return {
      ...response,
      headers: {
        'OpenStack-API-Version': `compute ${text}`,
        'X-OpenStack-Nova-API-Version': text,
        Vary: ['OpenStack-API-Version', 'X-OpenStack-Nova-API-Version'],
        ...(emptyBody ? { 'Content-Type': 'application/json' } : {}),
        ...response.headers,
      },
    };
  }
}
