// Fake Octavia v2: load balancers, listeners, pools, members (with batch update), health
// monitors, stats and the status tree, with the provisioning_status machine of
// octavia-provisioning.ts (409 "immutable" while a change is pending). Errors are wsme's
// faultstring bodies with the devcloud's messages.
import { randomUUID } from 'node:crypto';
import type {
  FakeCloudState,
  FakeCredentials,
  FakeHealthMonitor,
  FakeLbStats,
  FakeListener,
  FakeLoadBalancer,
  FakeMember,
  FakeOctaviaObject,
  FakePool,
} from '../fake-openstack.types';
import { FakeServiceBase, httpTitle } from '../http/service-base';
import {
  WireError,
  empty,
  isRecord,
  json,
  parseJsonBody,
  timestamps,
  type RouteContext,
  type WireHeaders,
  type WireRequest,
  type WireResponse,
} from '../http/wire';
import type { TokenStore } from '../identity/token-store';
import type { CloudLifecycle } from '../state/cloud-lifecycle';
import {
  healthMonitorView,
  listenerView,
  loadBalancerView,
  memberView,
  octaviaError,
  octaviaVersionsResponse,
  poolView,
  statsView,
} from '../fixtures/octavia-resources-response.v2';
import type { OctaviaProvisioning } from './octavia-provisioning';

export interface OctaviaSettings {
  state: FakeCloudState;
  credentials: FakeCredentials;
  lifecycle: CloudLifecycle;
  provisioning: OctaviaProvisioning;
}

type Body = Record<string, unknown>;

const LISTENER_PROTOCOLS = ['HTTP', 'HTTPS', 'TCP', 'UDP', 'SCTP', 'TERMINATED_HTTPS'];
const POOL_PROTOCOLS = ['HTTP', 'HTTPS', 'TCP', 'UDP', 'SCTP', 'PROXY', 'PROXYV2'];
const ALGORITHMS = ['ROUND_ROBIN', 'LEAST_CONNECTIONS', 'SOURCE_IP', 'SOURCE_IP_PORT'];
const MONITOR_TYPES = ['HTTP', 'HTTPS', 'PING', 'TCP', 'TLS-HELLO', 'UDP-CONNECT', 'SCTP'];

const PARENT_REFS: Record<string, string> = {
  loadbalancer_id: 'loadbalancers',
  listener_id: 'listeners',
  pool_id: 'pools',
};

export function zeroStats(): FakeLbStats {
  return { activeConnections: 0, totalConnections: 0, bytesIn: 0, bytesOut: 0, requestErrors: 0 };
}

export class OctaviaService extends FakeServiceBase {
  readonly name = 'load-balancer' as const;
  readonly prefix = '/load-balancer';

  constructor(
    tokens: TokenStore,
    private readonly settings: OctaviaSettings,
  ) {
    super(tokens);
    this.router.add(
      'GET',
      '/',
      (ctx) => json(200, octaviaVersionsResponse(`${ctx.origin}${this.prefix}`)),
      {
        public: true,
      },
    );
    // Octavia serves v2 at /v2 and /v2.0.
    for (const v of ['/v2', '/v2.0']) {
      const base = `${v}/lbaas`;
      this.router
        .add('GET', `${base}/loadbalancers`, (ctx) =>
          this.list(ctx, 'loadbalancers', this.lbViews()),
        )
        .add('POST', `${base}/loadbalancers`, (ctx) => this.createLoadBalancer(ctx))
        .add('GET', `${base}/loadbalancers/:id`, (ctx) => this.showLoadBalancer(ctx))
        .add('PUT', `${base}/loadbalancers/:id`, (ctx) => this.updateLoadBalancer(ctx))
        .add('DELETE', `${base}/loadbalancers/:id`, (ctx) => this.deleteLoadBalancer(ctx))
        .add('GET', `${base}/loadbalancers/:id/stats`, (ctx) => this.loadBalancerStats(ctx))
        .add('GET', `${base}/loadbalancers/:id/status`, (ctx) => this.statusTree(ctx))
        .add('GET', `${base}/listeners`, (ctx) =>
          this.list(
            ctx,
            'listeners',
            [...this.s.listeners.values()].map((l) => listenerView(l)),
          ),
        )
        .add('POST', `${base}/listeners`, (ctx) => this.createListener(ctx))
        .add('GET', `${base}/listeners/:id`, (ctx) =>
          json(200, { listener: listenerView(this.listener(ctx.params.id)) }),
        )
        .add('PUT', `${base}/listeners/:id`, (ctx) => this.updateListener(ctx))
        .add('DELETE', `${base}/listeners/:id`, (ctx) => this.deleteListener(ctx))
        .add('GET', `${base}/listeners/:id/stats`, (ctx) =>
          json(200, statsView(this.listener(ctx.params.id).stats)),
        )
        .add('GET', `${base}/pools`, (ctx) =>
          this.list(
            ctx,
            'pools',
            [...this.s.pools.values()].map((p) => this.poolView(p)),
          ),
        )
        .add('POST', `${base}/pools`, (ctx) => this.createPool(ctx))
        .add('GET', `${base}/pools/:id`, (ctx) =>
          json(200, { pool: this.poolView(this.pool(ctx.params.id)) }),
        )
        .add('PUT', `${base}/pools/:id`, (ctx) => this.updatePool(ctx))
        .add('DELETE', `${base}/pools/:id`, (ctx) => this.deletePool(ctx))
        .add('GET', `${base}/pools/:id/members`, (ctx) =>
          this.list(ctx, 'members', this.membersOf(this.pool(ctx.params.id).id).map(memberView)),
        )
        .add('POST', `${base}/pools/:id/members`, (ctx) => this.createMember(ctx))
        .add('PUT', `${base}/pools/:id/members`, (ctx) => this.batchUpdateMembers(ctx))
        .add('GET', `${base}/pools/:id/members/:mid`, (ctx) =>
          json(200, { member: memberView(this.member(ctx.params.id, ctx.params.mid)) }),
        )
        .add('PUT', `${base}/pools/:id/members/:mid`, (ctx) => this.updateMember(ctx))
        .add('DELETE', `${base}/pools/:id/members/:mid`, (ctx) => this.deleteMember(ctx))
        .add('GET', `${base}/healthmonitors`, (ctx) =>
          this.list(
            ctx,
            'healthmonitors',
            [...this.s.healthMonitors.values()].map(healthMonitorView),
          ),
        )
        .add('POST', `${base}/healthmonitors`, (ctx) => this.createHealthMonitor(ctx))
        .add('GET', `${base}/healthmonitors/:id`, (ctx) =>
          json(200, { healthmonitor: healthMonitorView(this.healthMonitor(ctx.params.id)) }),
        )
        .add('PUT', `${base}/healthmonitors/:id`, (ctx) => this.updateHealthMonitor(ctx))
        .add('DELETE', `${base}/healthmonitors/:id`, (ctx) => this.deleteHealthMonitor(ctx));
    }
  }

  private get s(): FakeCloudState {
    return this.settings.state;
  }

  private get provisioning(): OctaviaProvisioning {
    return this.settings.provisioning;
  }

  commonHeaders(req: WireRequest): WireHeaders {
    return { 'x-openstack-request-id': req.requestId };
  }

  errorBody(status: number, message: string | undefined): unknown {
    return octaviaError(status, message ?? httpTitle(status));
  }

  protected override before(): WireResponse | undefined {
    this.provisioning.settle();
    return undefined;
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private fail(status: number, message: string): never {
    throw new WireError({ status, body: octaviaError(status, message) });
  }

  private body(ctx: RouteContext, key: string): Body {
    const parsed = parseJsonBody(ctx, (message) => ({
      status: 400,
      body: octaviaError(400, message),
    }));
    const inner = isRecord(parsed) ? parsed[key] : undefined;
    if (!isRecord(inner))
      this.fail(
        400,
        `Invalid input for field/attribute ${key}. Value: None. Mandatory field missing.`,
      );
    return inner;
  }

  private invalid(field: string, value: unknown, why: string): never {
    return this.fail(
      400,
      `Invalid input for field/attribute ${field}. Value: '${String(value)}'. ${why}`,
    );
  }

  private requireString(req: Body, key: string): string {
    const value = req[key];
    if (typeof value !== 'string' || value === '')
      this.fail(
        400,
        `Invalid input for field/attribute ${key}. Value: '${String(value)}'. Mandatory field missing.`,
      );
    return value;
  }

  private port(req: Body, key: string): number {
    const value = req[key];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 65535)
      this.invalid(key, value, 'Value should be greater or equal to 1 and lower or equal to 65535');
    return value;
  }

  private oneOf(req: Body, key: string, allowed: string[]): string {
    const value = this.requireString(req, key);
    if (!allowed.includes(value))
      this.invalid(key, value, `Value should be one of: ${allowed.join(', ')}`);
    return value;
  }

  private newObject(req: Body): FakeOctaviaObject {
    return {
      id: randomUUID(),
      name: typeof req.name === 'string' ? req.name : '',
      description: typeof req.description === 'string' ? req.description : '',
      projectId: this.settings.credentials.projectId,
      provisioningStatus: 'PENDING_CREATE',
      operatingStatus: 'OFFLINE',
      adminStateUp: req.admin_state_up !== false,
      tags: Array.isArray(req.tags) ? req.tags.map(String) : [],
      createdAt: timestamps.seconds(),
      updatedAt: null,
    };
  }

  /** 409 unless the load balancer can take a change now (Octavia's "immutable" check). */
  private mutable(lb: FakeLoadBalancer): FakeLoadBalancer {
    if (this.provisioning.isImmutable(lb))
      this.fail(409, `Load Balancer ${lb.id} is immutable and cannot be updated.`);
    return lb;
  }

  /** Octavia list semantics: exact-match attribute filters, `<plural>_links` (no pagination here). */
  private list(ctx: RouteContext, plural: string, views: Record<string, unknown>[]): WireResponse {
    let items = views;
    for (const key of new Set(ctx.query.keys())) {
      if (['limit', 'marker', 'fields', 'sort', 'page_reverse'].includes(key)) continue;
      const wanted = ctx.query.get(key) ?? '';
      if (key === 'tags') {
        const tags = wanted.split(',');
        items = items.filter((i) => tags.every((t) => (i.tags as string[]).includes(t)));
        continue;
      }
      // Parent filters (`?loadbalancer_id=`, `?pool_id=`) match the object's `[{"id"}]` refs.
      const refs = PARENT_REFS[key];
      items = items.filter((i) =>
        refs && !(key in i)
          ? ((i[refs] as { id: string }[] | undefined) ?? []).some((r) => r.id === wanted)
          : String(i[key]) === wanted,
      );
    }
    return json(200, { [plural]: items, [`${plural}_links`]: [] });
  }

  private loadBalancer(id: string): FakeLoadBalancer {
    const lb = this.s.loadBalancers.get(id);
    if (!lb) this.fail(404, `Load Balancer ${id} not found.`);
    return lb;
  }

  private listener(id: string): FakeListener {
    const l = this.s.listeners.get(id);
    if (!l) this.fail(404, `Listener ${id} not found.`);
    return l;
  }

  private pool(id: string): FakePool {
    const p = this.s.pools.get(id);
    if (!p) this.fail(404, `Pool ${id} not found.`);
    return p;
  }

  private member(poolId: string, id: string): FakeMember {
    const m = this.s.members.get(id);
    if (!m || m.poolId !== poolId) this.fail(404, `Member ${id} not found.`);
    return m;
  }

  private healthMonitor(id: string): FakeHealthMonitor {
    const h = this.s.healthMonitors.get(id);
    if (!h) this.fail(404, `Health Monitor ${id} not found.`);
    return h;
  }

  private membersOf(poolId: string): FakeMember[] {
    return [...this.s.members.values()].filter((m) => m.poolId === poolId);
  }

  private lbViews(): Record<string, unknown>[] {
    return [...this.s.loadBalancers.values()].map((lb) => this.lbView(lb));
  }

  private lbView(lb: FakeLoadBalancer): Record<string, unknown> {
    const listenerIds = [...this.s.listeners.values()]
      .filter((l) => l.loadBalancerId === lb.id)
      .map((l) => l.id);
    const poolIds = [...this.s.pools.values()]
      .filter((p) => p.loadBalancerId === lb.id)
      .map((p) => p.id);
    return loadBalancerView(lb, listenerIds, poolIds);
  }

  private poolView(p: FakePool): Record<string, unknown> {
    return poolView(
      p,
      this.membersOf(p.id).map((m) => m.id),
    );
  }

  // ---- load balancers ----------------------------------------------------------------------

  private createLoadBalancer(ctx: RouteContext): WireResponse {
    const req = this.body(ctx, 'loadbalancer');
    const subnetId = typeof req.vip_subnet_id === 'string' ? req.vip_subnet_id : undefined;
    if (!subnetId)
      this.fail(
        400,
        'Validation failure: VIP must contain one of: vip_port_id, vip_network_id, vip_subnet_id.',
      );
    const subnet = this.s.subnets.get(subnetId);
    if (!subnet) this.fail(400, `Validation failure: Subnet ${subnetId} not found.`);
    const { lifecycle } = this.settings;
    const wanted = typeof req.vip_address === 'string' ? req.vip_address : undefined;
    const ip = wanted ?? lifecycle.allocateIp(subnet);
    if (!ip) this.fail(409, `No more IP addresses available on subnet ${subnet.id}.`);
    const lb: FakeLoadBalancer = {
      ...this.newObject(req),
      vipAddress: ip,
      vipPortId: '',
      vipSubnetId: subnet.id,
      vipNetworkId: subnet.networkId,
      provider: typeof req.provider === 'string' ? req.provider : 'amphora',
    };
    // The VIP is a real Neutron port in the project, named and owned as Octavia names it.
    const port = lifecycle.createPort(subnet.networkId, subnet, ip);
    port.name = `octavia-lb-${lb.id}`;
    port.deviceOwner = 'Octavia';
    port.deviceId = `lb-${lb.id}`;
    lb.vipPortId = port.id;
    this.s.loadBalancers.set(lb.id, lb);
    this.provisioning.begin(lb, [lb], 'PENDING_CREATE');
    return json(201, { loadbalancer: this.lbView(lb) });
  }

  private showLoadBalancer(ctx: RouteContext): WireResponse {
    return json(200, { loadbalancer: this.lbView(this.loadBalancer(ctx.params.id)) });
  }

  private updateLoadBalancer(ctx: RouteContext): WireResponse {
    const lb = this.mutable(this.loadBalancer(ctx.params.id));
    const req = this.body(ctx, 'loadbalancer');
    if (typeof req.name === 'string') lb.name = req.name;
    if (typeof req.description === 'string') lb.description = req.description;
    if (typeof req.admin_state_up === 'boolean') lb.adminStateUp = req.admin_state_up;
    if (Array.isArray(req.tags)) lb.tags = req.tags.map(String);
    this.provisioning.begin(lb, [lb], 'PENDING_UPDATE');
    return json(200, { loadbalancer: this.lbView(lb) });
  }

  private deleteLoadBalancer(ctx: RouteContext): WireResponse {
    const lb = this.mutable(this.loadBalancer(ctx.params.id));
    const cascade = (ctx.query.get('cascade') ?? '').toLowerCase() === 'true';
    const listeners = [...this.s.listeners.values()].filter((l) => l.loadBalancerId === lb.id);
    const pools = [...this.s.pools.values()].filter((p) => p.loadBalancerId === lb.id);
    if (!cascade && (listeners.length || pools.length))
      this.fail(400, `Cannot delete Load Balancer ${lb.id} - it has children`);
    this.provisioning.begin(lb, [lb], 'PENDING_DELETE', () => {
      for (const p of pools) {
        for (const m of this.membersOf(p.id)) this.s.members.delete(m.id);
        if (p.healthMonitorId) this.s.healthMonitors.delete(p.healthMonitorId);
        this.s.pools.delete(p.id);
      }
      for (const l of listeners) this.s.listeners.delete(l.id);
      this.s.ports.delete(lb.vipPortId);
      this.s.loadBalancers.delete(lb.id);
    });
    return empty(204);
  }

  private loadBalancerStats(ctx: RouteContext): WireResponse {
    const lb = this.loadBalancer(ctx.params.id);
    const total = zeroStats();
    for (const l of this.s.listeners.values()) {
      if (l.loadBalancerId !== lb.id) continue;
      for (const key of Object.keys(total) as (keyof FakeLbStats)[]) total[key] += l.stats[key];
    }
    return json(200, statsView(total));
  }

  private statusTree(ctx: RouteContext): WireResponse {
    const lb = this.loadBalancer(ctx.params.id);
    const node = (o: FakeOctaviaObject): Record<string, unknown> => ({
      id: o.id,
      name: o.name,
      operating_status: o.operatingStatus,
      provisioning_status: o.provisioningStatus,
    });
    const poolNode = (p: FakePool): Record<string, unknown> => {
      const hm = p.healthMonitorId ? this.s.healthMonitors.get(p.healthMonitorId) : undefined;
      return {
        ...node(p),
        ...(hm
          ? {
              healthmonitor: {
                id: hm.id,
                name: hm.name,
                type: hm.type,
                provisioning_status: hm.provisioningStatus,
              },
            }
          : {}),
        members: this.membersOf(p.id).map((m) => ({
          ...node(m),
          address: m.address,
          protocol_port: m.protocolPort,
        })),
      };
    };
    const listeners = [...this.s.listeners.values()].filter((l) => l.loadBalancerId === lb.id);
    return json(200, {
      statuses: {
        loadbalancer: {
          ...node(lb),
          listeners: listeners.map((l) => ({
            ...node(l),
            pools: [...this.s.pools.values()]
              .filter((p) => p.listenerIds.includes(l.id))
              .map(poolNode),
          })),
        },
      },
    });
  }

  // ---- listeners -----------------------------------------------------------------------------

  private createListener(ctx: RouteContext): WireResponse {
    const req = this.body(ctx, 'listener');
    const lb = this.mutable(this.loadBalancer(this.requireString(req, 'loadbalancer_id')));
    const protocol = this.oneOf(req, 'protocol', LISTENER_PROTOCOLS);
    const port = this.port(req, 'protocol_port');
    for (const other of this.s.listeners.values()) {
      if (other.loadBalancerId === lb.id && other.protocolPort === port)
        this.fail(
          409,
          `Another Listener on this Load Balancer is already using protocol_port ${port}`,
        );
    }
    const listener: FakeListener = {
      ...this.newObject(req),
      loadBalancerId: lb.id,
      protocol,
      protocolPort: port,
      connectionLimit: typeof req.connection_limit === 'number' ? req.connection_limit : -1,
      defaultPoolId: typeof req.default_pool_id === 'string' ? req.default_pool_id : null,
      insertHeaders: isRecord(req.insert_headers)
        ? Object.fromEntries(Object.entries(req.insert_headers).map(([k, v]) => [k, String(v)]))
        : {},
      stats: zeroStats(),
    };
    this.s.listeners.set(listener.id, listener);
    this.provisioning.begin(lb, [listener], 'PENDING_CREATE', () => {
      listener.operatingStatus = 'ONLINE';
    });
    return json(201, { listener: listenerView(listener) });
  }

  private updateListener(ctx: RouteContext): WireResponse {
    const listener = this.listener(ctx.params.id);
    const lb = this.mutable(this.loadBalancer(listener.loadBalancerId));
    const req = this.body(ctx, 'listener');
    if (typeof req.name === 'string') listener.name = req.name;
    if (typeof req.connection_limit === 'number') listener.connectionLimit = req.connection_limit;
    if (req.default_pool_id === null || typeof req.default_pool_id === 'string')
      listener.defaultPoolId = req.default_pool_id;
    if (typeof req.admin_state_up === 'boolean') listener.adminStateUp = req.admin_state_up;
    this.provisioning.begin(lb, [listener], 'PENDING_UPDATE');
    return json(200, { listener: listenerView(listener) });
  }

  private deleteListener(ctx: RouteContext): WireResponse {
    const listener = this.listener(ctx.params.id);
    const lb = this.mutable(this.loadBalancer(listener.loadBalancerId));
    this.provisioning.begin(lb, [listener], 'PENDING_DELETE', () => {
      this.s.listeners.delete(listener.id);
      for (const p of this.s.pools.values())
        p.listenerIds = p.listenerIds.filter((id) => id !== listener.id);
    });
    return empty(204);
  }

  // ---- pools -----------------------------------------------------------------------------------

  private createPool(ctx: RouteContext): WireResponse {
    const req = this.body(ctx, 'pool');
    const listener =
      typeof req.listener_id === 'string' ? this.listener(req.listener_id) : undefined;
    const lbId =
      listener?.loadBalancerId ??
      (typeof req.loadbalancer_id === 'string' ? req.loadbalancer_id : undefined);
    if (!lbId)
      this.fail(400, 'Validation failure: loadbalancer_id or listener_id must be specified.');
    const lb = this.mutable(this.loadBalancer(lbId));
    if (listener?.defaultPoolId)
      this.fail(409, `Listener ${listener.id} already has a default pool`);
    const pool: FakePool = {
      ...this.newObject(req),
      loadBalancerId: lb.id,
      listenerIds: listener ? [listener.id] : [],
      protocol: this.oneOf(req, 'protocol', POOL_PROTOCOLS),
      lbAlgorithm: this.oneOf(req, 'lb_algorithm', ALGORITHMS),
      healthMonitorId: null,
    };
    this.s.pools.set(pool.id, pool);
    if (listener) listener.defaultPoolId = pool.id;
    this.provisioning.begin(lb, [pool], 'PENDING_CREATE', () => {
      pool.operatingStatus = 'ONLINE';
    });
    return json(201, { pool: this.poolView(pool) });
  }

  private updatePool(ctx: RouteContext): WireResponse {
    const pool = this.pool(ctx.params.id);
    const lb = this.mutable(this.loadBalancer(pool.loadBalancerId));
    const req = this.body(ctx, 'pool');
    if (typeof req.name === 'string') pool.name = req.name;
    if (req.lb_algorithm !== undefined)
      pool.lbAlgorithm = this.oneOf(req, 'lb_algorithm', ALGORITHMS);
    if (typeof req.admin_state_up === 'boolean') pool.adminStateUp = req.admin_state_up;
    this.provisioning.begin(lb, [pool], 'PENDING_UPDATE');
    return json(200, { pool: this.poolView(pool) });
  }

  private deletePool(ctx: RouteContext): WireResponse {
    const pool = this.pool(ctx.params.id);
    const lb = this.mutable(this.loadBalancer(pool.loadBalancerId));
    this.provisioning.begin(lb, [pool], 'PENDING_DELETE', () => {
      for (const m of this.membersOf(pool.id)) this.s.members.delete(m.id);
      if (pool.healthMonitorId) this.s.healthMonitors.delete(pool.healthMonitorId);
      for (const l of this.s.listeners.values())
        if (l.defaultPoolId === pool.id) l.defaultPoolId = null;
      this.s.pools.delete(pool.id);
    });
    return empty(204);
  }

  // ---- members ---------------------------------------------------------------------------------

  private memberFields(req: Body, poolId: string): FakeMember {
    const address = this.requireString(req, 'address');
    const weight = req.weight === undefined ? 1 : req.weight;
    if (typeof weight !== 'number' || !Number.isInteger(weight) || weight < 0 || weight > 256)
      this.invalid('weight', weight, 'Value should be lower or equal to 256');
    return {
      ...this.newObject(req),
      poolId,
      address,
      protocolPort: this.port(req, 'protocol_port'),
      weight,
      backup: req.backup === true,
      subnetId: typeof req.subnet_id === 'string' ? req.subnet_id : null,
      monitorAddress: typeof req.monitor_address === 'string' ? req.monitor_address : null,
      monitorPort: typeof req.monitor_port === 'number' ? req.monitor_port : null,
    };
  }

  private createMember(ctx: RouteContext): WireResponse {
    const pool = this.pool(ctx.params.id);
    const lb = this.mutable(this.loadBalancer(pool.loadBalancerId));
    const member = this.memberFields(this.body(ctx, 'member'), pool.id);
    if (
      this.membersOf(pool.id).some(
        (m) => m.address === member.address && m.protocolPort === member.protocolPort,
      )
    )
      this.fail(
        409,
        `Duplicate member with address ${member.address} and port ${member.protocolPort} in pool ${pool.id}`,
      );
    this.s.members.set(member.id, member);
    this.provisioning.begin(lb, [member], 'PENDING_CREATE');
    return json(201, { member: memberView(member) });
  }

  private updateMember(ctx: RouteContext): WireResponse {
    const pool = this.pool(ctx.params.id);
    const member = this.member(pool.id, ctx.params.mid);
    const lb = this.mutable(this.loadBalancer(pool.loadBalancerId));
    const req = this.body(ctx, 'member');
    if (req.weight !== undefined)
      member.weight = this.memberFields(
        { ...req, address: member.address, protocol_port: member.protocolPort },
        pool.id,
      ).weight;
    if (typeof req.name === 'string') member.name = req.name;
    if (typeof req.admin_state_up === 'boolean') member.adminStateUp = req.admin_state_up;
    if (typeof req.backup === 'boolean') member.backup = req.backup;
    this.provisioning.begin(lb, [member], 'PENDING_UPDATE');
    this.provisioning.refreshOperatingStatuses();
    return json(200, { member: memberView(member) });
  }

  private deleteMember(ctx: RouteContext): WireResponse {
    const pool = this.pool(ctx.params.id);
    const member = this.member(pool.id, ctx.params.mid);
    const lb = this.mutable(this.loadBalancer(pool.loadBalancerId));
    this.provisioning.begin(lb, [member], 'PENDING_DELETE', () => this.s.members.delete(member.id));
    return empty(204);
  }

  /** PUT .../members: the list is the desired pool, matched by (address, protocol_port). */
  private batchUpdateMembers(ctx: RouteContext): WireResponse {
    const pool = this.pool(ctx.params.id);
    const lb = this.mutable(this.loadBalancer(pool.loadBalancerId));
    const parsed = parseJsonBody(ctx, (message) => ({
      status: 400,
      body: octaviaError(400, message),
    }));
    const listed = isRecord(parsed) ? parsed.members : undefined;
    if (!Array.isArray(listed))
      this.fail(
        400,
        'Invalid input for field/attribute members. Value: None. Mandatory field missing.',
      );
    const additiveOnly = (ctx.query.get('additive_only') ?? '').toLowerCase() === 'true';
    const existing = new Map(
      this.membersOf(pool.id).map((m) => [`${m.address}:${m.protocolPort}`, m]),
    );
    const wanted = new Map<string, FakeMember>();
    for (const entry of listed) {
      if (!isRecord(entry))
        this.fail(
          400,
          'Invalid input for field/attribute members. Value: an entry is not an object.',
        );
      const member = this.memberFields(entry, pool.id);
      const key = `${member.address}:${member.protocolPort}`;
      if (wanted.has(key)) this.fail(400, `Duplicate member address ${key} in the request.`);
      wanted.set(key, member);
    }
    const created: FakeMember[] = [];
    const updated: FakeMember[] = [];
    for (const [key, spec] of wanted) {
      const current = existing.get(key);
      if (!current) {
        this.s.members.set(spec.id, spec);
        created.push(spec);
        continue;
      }
      current.weight = spec.weight;
      current.name = spec.name || current.name;
      current.adminStateUp = spec.adminStateUp;
      current.backup = spec.backup;
      updated.push(current);
    }
    const deleted = additiveOnly
      ? []
      : [...existing].filter(([key]) => !wanted.has(key)).map(([, m]) => m);
    this.provisioning.begin(lb, created, 'PENDING_CREATE', () => {
      for (const m of updated) m.provisioningStatus = 'ACTIVE';
      for (const m of deleted) this.s.members.delete(m.id);
    });
    for (const m of updated) m.provisioningStatus = 'PENDING_UPDATE';
    for (const m of deleted) m.provisioningStatus = 'PENDING_DELETE';
    this.provisioning.refreshOperatingStatuses();
    return empty(202);
  }

  // ---- health monitors -------------------------------------------------------------------------

  private createHealthMonitor(ctx: RouteContext): WireResponse {
    const req = this.body(ctx, 'healthmonitor');
    const pool = this.pool(this.requireString(req, 'pool_id'));
    const lb = this.mutable(this.loadBalancer(pool.loadBalancerId));
    if (pool.healthMonitorId)
      this.fail(409, `This Octavia pool ${pool.id} already has a health monitor.`);
    const num = (key: string, fallback?: number): number => {
      const value = req[key] ?? fallback;
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0)
        this.invalid(key, value, 'Mandatory field missing.');
      return value;
    };
    const monitor: FakeHealthMonitor = {
      ...this.newObject(req),
      poolId: pool.id,
      type: this.oneOf(req, 'type', MONITOR_TYPES),
      delay: num('delay'),
      timeout: num('timeout'),
      maxRetries: num('max_retries'),
      maxRetriesDown: num('max_retries_down', 3),
      httpMethod: typeof req.http_method === 'string' ? req.http_method : null,
      urlPath: typeof req.url_path === 'string' ? req.url_path : null,
      expectedCodes: typeof req.expected_codes === 'string' ? req.expected_codes : null,
    };
    if (monitor.timeout > monitor.delay)
      this.fail(
        400,
        'Validation failure: The delay value must be greater than or equal to the timeout value.',
      );
    this.s.healthMonitors.set(monitor.id, monitor);
    pool.healthMonitorId = monitor.id;
    this.provisioning.begin(lb, [monitor], 'PENDING_CREATE', () => {
      monitor.operatingStatus = 'ONLINE';
    });
    return json(201, { healthmonitor: healthMonitorView(monitor) });
  }

  private updateHealthMonitor(ctx: RouteContext): WireResponse {
    const monitor = this.healthMonitor(ctx.params.id);
    const pool = this.pool(monitor.poolId);
    const lb = this.mutable(this.loadBalancer(pool.loadBalancerId));
    const req = this.body(ctx, 'healthmonitor');
    if (typeof req.delay === 'number') monitor.delay = req.delay;
    if (typeof req.timeout === 'number') monitor.timeout = req.timeout;
    if (typeof req.max_retries === 'number') monitor.maxRetries = req.max_retries;
    if (typeof req.max_retries_down === 'number') monitor.maxRetriesDown = req.max_retries_down;
    if (typeof req.url_path === 'string') monitor.urlPath = req.url_path;
    this.provisioning.begin(lb, [monitor], 'PENDING_UPDATE');
    return json(200, { healthmonitor: healthMonitorView(monitor) });
  }

  private deleteHealthMonitor(ctx: RouteContext): WireResponse {
    const monitor = this.healthMonitor(ctx.params.id);
    const pool = this.pool(monitor.poolId);
    const lb = this.mutable(this.loadBalancer(pool.loadBalancerId));
    this.provisioning.begin(lb, [monitor], 'PENDING_DELETE', () => {
      this.s.healthMonitors.delete(monitor.id);
      pool.healthMonitorId = null;
    });
    return empty(204);
  }
}
