// Fake Neutron v2.0: networks, subnets, security groups and rules, ports, floating IPs (when the
// L3 plugin is on) and quotas, with Neutron's filters, limit/marker pagination and NeutronError bodies.
import { randomUUID } from 'node:crypto';
import type {
  FakeCloudState,
  FakeCredentials,
  FakeFloatingIp,
  FakeNetwork,
  FakePort,
  FakeQuota,
  FakeSecurityGroup,
  FakeSecurityGroupRule,
  FakeSubnet,
} from '../fake-openstack.types';
import { FakeServiceBase } from '../http/service-base';
import {
  WireError,
  empty,
  isRecord,
  json,
  timestamps,
  type RouteContext,
  type WireHeaders,
  type WireRequest,
  type WireResponse,
} from '../http/wire';
import type { TokenStore } from '../identity/token-store';
import type { CloudLifecycle } from '../state/cloud-lifecycle';
import {
  cidrInside,
  cidrRange,
  cidrsOverlap,
  hostRange,
  ipToNumber,
  isIpv4Cidr,
} from './ip-ranges';
import {
  addDefaultRules,
  defaultQuota,
  newNetwork,
  newSecurityGroup,
  newSecurityGroupRule,
  newSubnet,
} from '../state/cloud-state';
import {
  floatingIpView,
  networkView,
  neutronVersionsResponse,
  portView,
  securityGroupRuleView,
  securityGroupView,
  subnetView,
} from '../fixtures/neutron-resources-show-response.v2.0';
import { neutronError, neutronHttpError } from '../fixtures/neutron-error-response.v2.0';

export interface NetworkSettings {
  state: FakeCloudState;
  quota: FakeQuota;
  credentials: FakeCredentials;
  lifecycle: CloudLifecycle;
  l3: boolean;
  /** The devcloud's guard: 400 for any subnet outside 127.0.0.0/8. */
  loopbackSubnetsOnly: boolean;
}

type View = Record<string, unknown>;
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

/** Neutron defaults of the quotas the fake does not enforce (neutron/conf/quota.py). */
const NEUTRON_FIXED_QUOTA = Object.freeze({
  subnet: 100,
  subnetpool: -1,
  router: 10,
  rbac_policy: 10,
  security_group: 10,
});

export class NetworkService extends FakeServiceBase {
  readonly name = 'network' as const;
  readonly prefix = '/network';
  private readonly fixedQuota: Record<keyof typeof NEUTRON_FIXED_QUOTA, number> = {
    ...NEUTRON_FIXED_QUOTA,
  };

  constructor(
    tokens: TokenStore,
    private readonly settings: NetworkSettings,
  ) {
    super(tokens);
    const { state } = settings;
    this.router
      .add('GET', '/', (ctx) => json(200, neutronVersionsResponse(`${ctx.origin}${this.prefix}`)), {
        public: true,
      })
      .add('GET', '/v2.0', (ctx) => this.resources(ctx))
      .add('GET', '/v2.0/networks', (ctx) =>
        this.list(ctx, 'networks', [...state.networks.values()].map(networkView)),
      )
      .add('GET', '/v2.0/networks/:id', (ctx) =>
        json(200, { network: networkView(this.network(ctx.params.id)) }),
      )
      .add('POST', '/v2.0/networks', (ctx) => this.createNetwork(ctx))
      .add('DELETE', '/v2.0/networks/:id', (ctx) => this.deleteNetwork(ctx))
      .add('GET', '/v2.0/subnets', (ctx) =>
        this.list(ctx, 'subnets', [...state.subnets.values()].map(subnetView)),
      )
      .add('GET', '/v2.0/subnets/:id', (ctx) => json(200, { subnet: subnetView(this.subnet(ctx)) }))
      .add('POST', '/v2.0/subnets', (ctx) => this.createSubnet(ctx))
      .add('DELETE', '/v2.0/subnets/:id', (ctx) => this.deleteSubnet(ctx))
      .add('GET', '/v2.0/security-groups', (ctx) =>
        this.list(
          ctx,
          'security_groups',
          [...state.securityGroups.values()].map((g) => securityGroupView(g, this.rulesOf(g.id))),
        ),
      )
      .add('GET', '/v2.0/security-groups/:id', (ctx) => {
        const group = this.securityGroup(ctx.params.id);
        return json(200, { security_group: securityGroupView(group, this.rulesOf(group.id)) });
      })
      .add('POST', '/v2.0/security-groups', (ctx) => this.createSecurityGroup(ctx))
      .add('DELETE', '/v2.0/security-groups/:id', (ctx) => this.deleteSecurityGroup(ctx))
      .add('GET', '/v2.0/security-group-rules', (ctx) =>
        this.list(
          ctx,
          'security_group_rules',
          [...state.securityGroupRules.values()].map((r) => securityGroupRuleView(r)),
        ),
      )
      .add('GET', '/v2.0/security-group-rules/:id', (ctx) =>
        json(200, { security_group_rule: securityGroupRuleView(this.rule(ctx)) }),
      )
      .add('POST', '/v2.0/security-group-rules', (ctx) => this.createRule(ctx))
      .add('DELETE', '/v2.0/security-group-rules/:id', (ctx) => {
        state.securityGroupRules.delete(this.rule(ctx).id);
        return empty(204);
      })
      .add('GET', '/v2.0/ports', (ctx) => this.listPorts(ctx))
      .add('GET', '/v2.0/ports/:id', (ctx) =>
        json(200, { port: portView(this.port(ctx.params.id)) }),
      )
      .add('POST', '/v2.0/ports', (ctx) => this.createPort(ctx))
      .add('DELETE', '/v2.0/ports/:id', (ctx) => this.deletePort(ctx))
      .add('GET', '/v2.0/floatingips', (ctx) => this.listFloatingIps(ctx))
      .add('GET', '/v2.0/floatingips/:id', (ctx) =>
        json(200, { floatingip: this.floatingIpView(this.floatingIp(ctx)) }),
      )
      .add('POST', '/v2.0/floatingips', (ctx) => this.createFloatingIp(ctx))
      .add('PUT', '/v2.0/floatingips/:id', (ctx) => this.updateFloatingIp(ctx))
      .add('DELETE', '/v2.0/floatingips/:id', (ctx) => {
        state.floatingIps.delete(this.floatingIp(ctx).id);
        return empty(204);
      })
      .add('GET', '/v2.0/quotas/:projectId', (ctx) => json(200, { quota: this.quotaView(ctx) }))
      .add('PUT', '/v2.0/quotas/:projectId', (ctx) => this.updateQuotas(ctx));
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

  private fail(status: number, type: string, message: string): never {
    throw new WireError({ status, body: neutronError(type, message) });
  }

  private invalid(message: string): never {
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
  private list(ctx: RouteContext, collection: string, views: View[]): WireResponse {
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

  private body(ctx: RouteContext, key: string): Record<string, unknown> {
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

  private overQuota(resource: string): never {
    return this.fail(409, 'OverQuota', `Quota exceeded for resources: ['${resource}'].`);
  }

  // ---- networks and subnets -------------------------------------------------------------------

  private network(id: string): FakeNetwork {
    const network = this.settings.state.networks.get(id);
    if (!network) this.fail(404, 'NetworkNotFound', `Network ${id} could not be found.`);
    return network;
  }

  private createNetwork(ctx: RouteContext): WireResponse {
    const req = this.body(ctx, 'network');
    const { state, quota, credentials } = this.settings;
    if (state.networks.size >= quota.networks) this.overQuota('network');
    if (req.name !== undefined && typeof req.name !== 'string')
      this.invalid(`'${String(req.name)}' is not a valid string`);
    const network = newNetwork({
      name: (req.name as string | undefined) ?? '',
      projectId: credentials.projectId,
      adminStateUp: req.admin_state_up !== false,
      description: typeof req.description === 'string' ? req.description : '',
      mtu: typeof req.mtu === 'number' ? req.mtu : 1450,
    });
    state.networks.set(network.id, network);
    return json(201, { network: networkView(network) });
  }

  private deleteNetwork(ctx: RouteContext): WireResponse {
    const network = this.network(ctx.params.id);
    const { state } = this.settings;
    const inUse = [...state.ports.values()].some(
      (p) => p.networkId === network.id && p.deviceOwner.startsWith('compute:'),
    );
    if (inUse) {
      this.fail(
        409,
        'NetworkInUse',
        `Unable to complete operation on network ${network.id}. There are one or more ports still in use on the network.`,
      );
    }
    for (const subnetId of network.subnetIds) state.subnets.delete(subnetId);
    for (const port of [...state.ports.values()])
      if (port.networkId === network.id) state.ports.delete(port.id);
    state.networks.delete(network.id);
    return empty(204);
  }

  private subnet(ctx: RouteContext): FakeSubnet {
    const subnet = this.settings.state.subnets.get(ctx.params.id);
    if (!subnet) this.fail(404, 'SubnetNotFound', `Subnet ${ctx.params.id} could not be found.`);
    return subnet;
  }

  private createSubnet(ctx: RouteContext): WireResponse {
    const req = this.body(ctx, 'subnet');
    const { state, credentials } = this.settings;
    if (typeof req.network_id !== 'string')
      this.fail(
        400,
        'HTTPBadRequest',
        "Failed to parse request. Required attribute 'network_id' not specified",
      );
    const network = this.network(req.network_id);
    if (req.ip_version === undefined)
      this.fail(
        400,
        'HTTPBadRequest',
        "Failed to parse request. Required attribute 'ip_version' not specified",
      );
    if (req.ip_version !== 4 && req.ip_version !== 6)
      this.invalid(`${String(req.ip_version)} is not in [4, 6].`);
    if (typeof req.cidr !== 'string')
      this.invalid('A cidr must be specified in the absence of a subnet pool');
    if (req.ip_version === 4 && !isIpv4Cidr(req.cidr))
      this.invalid(`${req.cidr} is not in a CIDR format.`);
    const cidr = req.cidr;
    const requestedPools =
      req.allocation_pools === undefined ? undefined : this.poolsFormat(req.allocation_pools);
    const enableDhcp = req.enable_dhcp !== false;
    // neutron/db/db_base_plugin_v2.py _validate_subnet: DHCP is refused on a loopback range
    // (what the bake tool met on the devcloud: "Loopback IP subnet is not supported if
    // enable_dhcp is True"; enable_dhcp defaults to true). Every profile: it is upstream Neutron.
    if (enableDhcp && req.ip_version === 4 && cidrInside(cidr, '127.0.0.0/8')) {
      this.invalid('Loopback IP subnet is not supported if enable_dhcp is True.');
    }
    const range = req.ip_version === 4 ? hostRange(cidr, req.gateway_ip) : undefined;
    const allocationPools =
      requestedPools && range ? this.checkPools(requestedPools, cidr, range.gatewayIp) : undefined;
    for (const other of network.subnetIds.map((id) => state.subnets.get(id))) {
      if (other && other.ipVersion === 4 && cidrsOverlap(other.cidr, cidr)) {
        this.invalid(
          `Requested subnet with cidr: ${cidr} for network: ${network.id} overlaps with another subnet.`,
        );
      }
    }
    // The devcloud's ML2 precommit check runs last (captures/neutron/12-subnet-create-outside-127.txt).
    if (this.settings.loopbackSubnetsOnly && !cidrInside(cidr, '127.0.0.0/8')) {
      this.invalid(
        `devcloud: only subnets inside 127.0.0.0/8 are allowed, so every server address is reachable on loopback (got ${cidr}).`,
      );
    }
    const subnet = newSubnet({
      name: typeof req.name === 'string' ? req.name : '',
      networkId: network.id,
      projectId: credentials.projectId,
      cidr,
      ipVersion: req.ip_version,
      enableDhcp,
      dnsNameservers: Array.isArray(req.dns_nameservers) ? req.dns_nameservers.map(String) : [],
      ...(range ?? {}),
      ...(allocationPools ? { allocationPools } : {}),
    });
    state.subnets.set(subnet.id, subnet);
    network.subnetIds.push(subnet.id);
    network.revisionNumber += 1;
    return json(201, { subnet: subnetView(subnet) });
  }

  /** neutron-lib validate_ip_pools: a list of {start, end} with valid addresses and nothing else. */
  private poolsFormat(pools: unknown): { start: string; end: string }[] {
    const bad = (data: unknown): never =>
      this.fail(
        400,
        'HTTPBadRequest',
        `Invalid input for allocation_pools. Reason: Invalid data format for IP pool: '${JSON.stringify(data)}'.`,
      );
    if (!Array.isArray(pools)) return bad(pools);
    return pools.map((pool: unknown) => {
      if (
        !isRecord(pool) ||
        Object.keys(pool).sort().join(',') !== 'end,start' ||
        typeof pool.start !== 'string' ||
        typeof pool.end !== 'string' ||
        !isIpv4Cidr(pool.start) ||
        !isIpv4Cidr(pool.end) ||
        pool.start.includes('/') ||
        pool.end.includes('/')
      ) {
        return bad(pool);
      }
      return { start: pool.start, end: pool.end };
    });
  }

  /**
   * neutron/db/ipam_backend_mixin.py validate_allocation_pools + validate_gw_out_of_pools: each
   * pool ordered and inside the subnet (not its network or broadcast address), no overlaps, and
   * the gateway outside every pool.
   */
  private checkPools(
    pools: { start: string; end: string }[],
    cidr: string,
    gatewayIp: string | null,
  ): { start: string; end: string }[] {
    const [network, broadcast] = cidrRange(cidr);
    const ranges = pools.map((pool) => {
      const start = ipToNumber(pool.start);
      const end = ipToNumber(pool.end);
      if (start > end) {
        this.fail(
          400,
          'InvalidAllocationPool',
          `The allocation pool {'start': '${pool.start}', 'end': '${pool.end}'} is not valid.`,
        );
      }
      if (start < network + 1 || end > broadcast - 1) {
        this.fail(
          400,
          'OutOfBoundsAllocationPool',
          `The allocation pool ${pool.start}-${pool.end} spans beyond the subnet cidr ${cidr}.`,
        );
      }
      return { ...pool, first: start, last: end };
    });
    for (let i = 0; i < ranges.length; i += 1) {
      for (let j = i + 1; j < ranges.length; j += 1) {
        if (ranges[i].first <= ranges[j].last && ranges[j].first <= ranges[i].last) {
          this.fail(
            409,
            'OverlappingAllocationPools',
            `Found overlapping allocation pools: ${ranges[i].start}-${ranges[i].end} ${ranges[j].start}-${ranges[j].end} for subnet ${cidr}.`,
          );
        }
      }
    }
    if (gatewayIp) {
      const gw = ipToNumber(gatewayIp);
      const conflict = ranges.find((r) => r.first <= gw && gw <= r.last);
      if (conflict) {
        this.fail(
          409,
          'GatewayConflictWithAllocationPools',
          `Gateway ip ${gatewayIp} conflicts with allocation pool ${conflict.start}-${conflict.end}.`,
        );
      }
    }
    return pools.map((pool) => ({ ...pool }));
  }

  private deleteSubnet(ctx: RouteContext): WireResponse {
    const subnet = this.subnet(ctx);
    const { state } = this.settings;
    if (
      [...state.ports.values()].some(
        (p) =>
          p.fixedIps.some((f) => f.subnetId === subnet.id) && p.deviceOwner.startsWith('compute:'),
      )
    ) {
      this.fail(
        409,
        'SubnetInUse',
        `Unable to complete operation on subnet ${subnet.id}: One or more ports have an IP allocation from this subnet.`,
      );
    }
    state.subnets.delete(subnet.id);
    const network = state.networks.get(subnet.networkId);
    if (network) network.subnetIds = network.subnetIds.filter((id) => id !== subnet.id);
    return empty(204);
  }

  // ---- security groups and rules --------------------------------------------------------------

  private rulesOf(groupId: string): FakeSecurityGroupRule[] {
    return [...this.settings.state.securityGroupRules.values()].filter(
      (r) => r.securityGroupId === groupId,
    );
  }

  private securityGroup(id: string): FakeSecurityGroup {
    const group = this.settings.state.securityGroups.get(id);
    if (!group) this.fail(404, 'SecurityGroupNotFound', `Security group ${id} does not exist`);
    return group;
  }

  private createSecurityGroup(ctx: RouteContext): WireResponse {
    const req = this.body(ctx, 'security_group');
    const { state, credentials } = this.settings;
    if (req.name === 'default')
      this.fail(409, 'SecurityGroupDefaultAlreadyExists', 'Default security group already exists.');
    const group = newSecurityGroup({
      name: typeof req.name === 'string' ? req.name : '',
      projectId: credentials.projectId,
      description: typeof req.description === 'string' ? req.description : '',
      stateful: req.stateful !== false,
    });
    state.securityGroups.set(group.id, group);
    addDefaultRules(state, group, false);
    return json(201, { security_group: securityGroupView(group, this.rulesOf(group.id)) });
  }

  private deleteSecurityGroup(ctx: RouteContext): WireResponse {
    const group = this.securityGroup(ctx.params.id);
    const { state } = this.settings;
    if (group.name === 'default')
      this.fail(
        409,
        'SecurityGroupCannotRemoveDefault',
        'Insufficient rights for removing default security group.',
      );
    if ([...state.ports.values()].some((p) => p.securityGroupIds.includes(group.id))) {
      this.fail(409, 'SecurityGroupInUse', `Security Group ${group.id} in use.`);
    }
    for (const rule of this.rulesOf(group.id)) state.securityGroupRules.delete(rule.id);
    state.securityGroups.delete(group.id);
    return empty(204);
  }

  private rule(ctx: RouteContext): FakeSecurityGroupRule {
    const rule = this.settings.state.securityGroupRules.get(ctx.params.id);
    if (!rule)
      this.fail(
        404,
        'SecurityGroupRuleNotFound',
        `Security group rule ${ctx.params.id} does not exist`,
      );
    return rule;
  }

  private createRule(ctx: RouteContext): WireResponse {
    const req = this.body(ctx, 'security_group_rule');
    const { state, quota, credentials } = this.settings;
    if (typeof req.security_group_id !== 'string') {
      this.fail(
        400,
        'HTTPBadRequest',
        "Failed to parse request. Required attribute 'security_group_id' not specified",
      );
    }
    const group = this.securityGroup(req.security_group_id);
    if (req.direction !== 'ingress' && req.direction !== 'egress') {
      this.invalid(`${String(req.direction)} is not in valid_values ['ingress', 'egress'].`);
    }
    const ethertype = req.ethertype ?? 'IPv4';
    if (ethertype !== 'IPv4' && ethertype !== 'IPv6')
      this.invalid(`${String(ethertype)} is not in valid_values ['IPv4', 'IPv6'].`);
    const protocol =
      req.protocol === undefined || req.protocol === null
        ? null
        : String(req.protocol).toLowerCase();
    const portMin =
      req.port_range_min === undefined || req.port_range_min === null
        ? null
        : Number(req.port_range_min);
    const portMax =
      req.port_range_max === undefined || req.port_range_max === null
        ? null
        : Number(req.port_range_max);
    if (
      (portMin !== null || portMax !== null) &&
      (protocol === null || !['tcp', 'udp', '6', '17', 'icmp', '1'].includes(protocol))
    ) {
      this.fail(
        400,
        'SecurityGroupProtocolRequiredWithPorts',
        'Must also specify protocol if port range is given.',
      );
    }
    if (protocol === 'tcp' || protocol === 'udp') {
      for (const port of [portMin, portMax]) {
        if (port !== null && (!Number.isInteger(port) || port < 1 || port > 65535)) {
          this.fail(
            400,
            'SecurityGroupInvalidPortValue',
            `Invalid value for port ${String(port)}.`,
          );
        }
      }
      if (portMin !== null && portMax !== null && portMin > portMax) {
        this.fail(
          400,
          'SecurityGroupInvalidPortRange',
          'For TCP/UDP protocols, port_range_min must be <= port_range_max',
        );
      }
    }
    const remoteIpPrefix = typeof req.remote_ip_prefix === 'string' ? req.remote_ip_prefix : null;
    if (remoteIpPrefix !== null && ethertype === 'IPv4' && !isIpv4Cidr(remoteIpPrefix)) {
      this.invalid(`'${remoteIpPrefix}' is not a valid IP subnet.`);
    }
    const remoteGroupId = typeof req.remote_group_id === 'string' ? req.remote_group_id : null;
    if (remoteGroupId !== null && remoteIpPrefix !== null) {
      this.fail(
        400,
        'SecurityGroupRemoteGroupAndRemoteIpPrefix',
        'Only remote_ip_prefix or remote_group_id may be provided.',
      );
    }
    const candidate = newSecurityGroupRule({
      securityGroupId: group.id,
      projectId: credentials.projectId,
      direction: req.direction,
      ethertype,
      protocol,
      portRangeMin: portMin,
      portRangeMax:
        portMax ??
        (portMin !== null && (protocol === 'tcp' || protocol === 'udp') ? portMin : null),
      remoteIpPrefix,
      remoteGroupId,
      description: typeof req.description === 'string' ? req.description : '',
    });
    // Neutron compares every attribute but the description (neutron/db/securitygroups_db.py
    // _check_for_duplicate_rules); 0.0.0.0/0 and no prefix are the same rule.
    const normal = (prefix: string | null): string | null =>
      prefix === '0.0.0.0/0' || prefix === '::/0' ? null : prefix;
    const duplicate = this.rulesOf(group.id).find(
      (r) =>
        r.direction === candidate.direction &&
        r.ethertype === candidate.ethertype &&
        r.protocol === candidate.protocol &&
        r.portRangeMin === candidate.portRangeMin &&
        r.portRangeMax === candidate.portRangeMax &&
        normal(r.remoteIpPrefix) === normal(candidate.remoteIpPrefix) &&
        r.remoteGroupId === candidate.remoteGroupId,
    );
    if (duplicate)
      this.fail(
        409,
        'SecurityGroupRuleExists',
        `Security group rule already exists. Rule id is ${duplicate.id}.`,
      );
    if (state.securityGroupRules.size >= quota.securityGroupRules)
      this.overQuota('security_group_rule');
    state.securityGroupRules.set(candidate.id, candidate);
    return json(201, { security_group_rule: securityGroupRuleView(candidate) });
  }

  // ---- ports -----------------------------------------------------------------------------------

  private port(id: string): FakePort {
    const port = this.settings.state.ports.get(id);
    if (!port) this.fail(404, 'PortNotFound', `Port ${id} could not be found.`);
    return port;
  }

  private listPorts(ctx: RouteContext): WireResponse {
    // Ports of servers appear as servers get their addresses.
    this.settings.lifecycle.advanceAllServers();
    return this.list(ctx, 'ports', [...this.settings.state.ports.values()].map(portView));
  }

  private createPort(ctx: RouteContext): WireResponse {
    const req = this.body(ctx, 'port');
    const { state, quota, lifecycle } = this.settings;
    if (typeof req.network_id !== 'string')
      this.fail(
        400,
        'HTTPBadRequest',
        "Failed to parse request. Required attribute 'network_id' not specified",
      );
    const network = this.network(req.network_id);
    if (state.ports.size >= quota.ports) this.overQuota('port');
    const subnet = network.subnetIds
      .map((id) => state.subnets.get(id))
      .find((s) => s?.ipVersion === 4);
    const ip = subnet ? lifecycle.allocateIp(subnet) : undefined;
    if (subnet && !ip)
      this.fail(
        409,
        'IpAddressGenerationFailure',
        `No more IP addresses available on network ${network.id}.`,
      );
    const port = lifecycle.createPort(network.id, subnet, ip);
    if (typeof req.name === 'string') port.name = req.name;
    const defaultGroup = [...state.securityGroups.values()].find((g) => g.name === 'default');
    port.securityGroupIds = Array.isArray(req.security_groups)
      ? req.security_groups.map(String)
      : defaultGroup
        ? [defaultGroup.id]
        : [];
    return json(201, { port: portView(port) });
  }

  private deletePort(ctx: RouteContext): WireResponse {
    const port = this.port(ctx.params.id);
    const { state } = this.settings;
    state.ports.delete(port.id);
    for (const fip of state.floatingIps.values()) {
      if (fip.portId === port.id)
        Object.assign(fip, { portId: null, fixedIpAddress: null, status: 'DOWN', routerId: null });
    }
    return empty(204);
  }

  // ---- floating IPs ----------------------------------------------------------------------------

  private floatingIp(ctx: RouteContext): FakeFloatingIp {
    const fip = this.settings.state.floatingIps.get(ctx.params.id);
    if (!fip)
      this.fail(404, 'FloatingIPNotFound', `Floating IP ${ctx.params.id} could not be found`);
    return fip;
  }

  private floatingIpView(fip: FakeFloatingIp): View {
    return floatingIpView(fip, fip.portId ? this.settings.state.ports.get(fip.portId) : undefined);
  }

  private listFloatingIps(ctx: RouteContext): WireResponse {
    this.settings.lifecycle.advanceAllServers();
    return this.list(
      ctx,
      'floatingips',
      [...this.settings.state.floatingIps.values()].map((f) => this.floatingIpView(f)),
    );
  }

  private createFloatingIp(ctx: RouteContext): WireResponse {
    const req = this.body(ctx, 'floatingip');
    const { state, quota, credentials, lifecycle } = this.settings;
    if (typeof req.floating_network_id !== 'string') {
      this.fail(
        400,
        'HTTPBadRequest',
        "Failed to parse request. Required attribute 'floating_network_id' not specified",
      );
    }
    const network = this.network(req.floating_network_id);
    if (!network.external) {
      this.fail(
        400,
        'BadRequest',
        `Bad floatingip request: Network ${network.id} is not a valid external network.`,
      );
    }
    if (state.floatingIps.size >= quota.floatingIps) this.overQuota('floatingip');
    const subnet = network.subnetIds
      .map((id) => state.subnets.get(id))
      .find((s) => s?.ipVersion === 4);
    const address =
      typeof req.floating_ip_address === 'string'
        ? req.floating_ip_address
        : subnet
          ? lifecycle.allocateIp(subnet)
          : undefined;
    if (!address)
      this.fail(
        409,
        'IpAddressGenerationFailure',
        `No more IP addresses available on network ${network.id}.`,
      );
    const now = timestamps.seconds();
    const fip: FakeFloatingIp = {
      id: randomUUID(),
      floatingIpAddress: address,
      floatingNetworkId: network.id,
      fixedIpAddress: null,
      portId: null,
      routerId: null,
      projectId: credentials.projectId,
      status: 'DOWN',
      description: typeof req.description === 'string' ? req.description : '',
      createdAt: now,
      updatedAt: now,
      revisionNumber: 0,
    };
    this.associate(fip, req.port_id, req.fixed_ip_address);
    state.floatingIps.set(fip.id, fip);
    return json(201, { floatingip: this.floatingIpView(fip) });
  }

  private updateFloatingIp(ctx: RouteContext): WireResponse {
    const fip = this.floatingIp(ctx);
    const req = this.body(ctx, 'floatingip');
    if (!('port_id' in req))
      this.fail(
        400,
        'HTTPBadRequest',
        "Failed to parse request. Required attribute 'port_id' not specified",
      );
    this.associate(fip, req.port_id, req.fixed_ip_address);
    if (typeof req.description === 'string') fip.description = req.description;
    fip.updatedAt = timestamps.seconds();
    fip.revisionNumber += 1;
    return json(200, { floatingip: this.floatingIpView(fip) });
  }

  private associate(fip: FakeFloatingIp, portId: unknown, fixedIp: unknown): void {
    if (portId === undefined || portId === null) {
      Object.assign(fip, { portId: null, fixedIpAddress: null, routerId: null, status: 'DOWN' });
      return;
    }
    const port = this.port(String(portId));
    const ip = typeof fixedIp === 'string' ? fixedIp : port.fixedIps[0]?.ipAddress;
    if (!ip || !port.fixedIps.some((f) => f.ipAddress === ip)) {
      this.fail(
        400,
        'BadRequest',
        `Bad floatingip request: Port ${port.id} does not have fixed ip ${String(ip)}.`,
      );
    }
    const taken = [...this.settings.state.floatingIps.values()].find(
      (f) => f.id !== fip.id && f.portId === port.id && f.fixedIpAddress === ip,
    );
    if (taken) {
      this.fail(
        409,
        'FloatingIPPortAlreadyAssociated',
        `Cannot associate floating IP ${fip.floatingIpAddress} (${fip.id}) with port ${port.id} using fixed IP ${ip}, as that fixed IP already has a floating IP on external network ${fip.floatingNetworkId}.`,
      );
    }
    Object.assign(fip, {
      portId: port.id,
      fixedIpAddress: ip,
      routerId: fip.routerId ?? randomUUID(),
      status: 'ACTIVE',
    });
  }

  /**
   * Neutron's quota of a project (captures/neutron/14-quota-demo.txt): without the L3 plugin there
   * is no `router` / `floatingip` entry. Only the member's project has its limits enforced; any
   * other project id gets Neutron's defaults.
   */
  private quotaView(ctx: RouteContext): Record<string, number> {
    const { credentials, l3 } = this.settings;
    const own = ctx.params.projectId === credentials.projectId;
    const quota = own ? this.settings.quota : defaultQuota();
    const fixed = own ? this.fixedQuota : NEUTRON_FIXED_QUOTA;
    const view: Record<string, number> = {
      network: quota.networks,
      subnet: fixed.subnet,
      subnetpool: fixed.subnetpool,
      port: quota.ports,
      ...(l3 ? { router: fixed.router, floatingip: quota.floatingIps } : {}),
      rbac_policy: fixed.rbac_policy,
      security_group: fixed.security_group,
      security_group_rule: quota.securityGroupRules,
    };
    return view;
  }

  /**
   * PUT /v2.0/quotas/{project}: admin only, as on the devcloud (15-admin-quota-set-sgr.txt answers
   * the whole quota; 17b-demo-quota-set-forbidden.txt: 403 PolicyNotAuthorized "rule:update_quota
   * is disallowed by policy"). Neutron checks the policy before the body
   * (neutron/extensions/quotasv2.py update).
   */
  private updateQuotas(ctx: RouteContext): WireResponse {
    if (!ctx.token?.roles.includes('admin'))
      this.fail(403, 'PolicyNotAuthorized', 'rule:update_quota is disallowed by policy');
    const req = this.body(ctx, 'quota');
    const known = Object.keys(this.quotaView(ctx));
    const unknown = Object.keys(req).filter((key) => !known.includes(key));
    if (unknown.length > 0)
      this.fail(400, 'HTTPBadRequest', `Unrecognized attribute(s) '${unknown.join(', ')}'`);
    const limits: [string, number][] = Object.entries(req).map(([key, value]) => {
      const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
      // neutron/extensions/quotasv2.py convert_to_int / validate_quota_value.
      const reason = !Number.isInteger(n)
        ? `'${String(value)}' is not an integer`
        : n < -1
          ? `'${n}' is smaller than the minimum of -1`
          : undefined;
      if (reason) this.fail(400, 'InvalidInput', `Invalid input for ${key}. Reason: ${reason}.`);
      return [key, n];
    });
    const own = ctx.params.projectId === this.settings.credentials.projectId;
    if (own) {
      const quota = this.settings.quota;
      const stored: Record<string, keyof FakeQuota> = {
        network: 'networks',
        port: 'ports',
        floatingip: 'floatingIps',
        security_group_rule: 'securityGroupRules',
      };
      for (const [key, n] of limits) {
        if (key in stored) quota[stored[key]] = n;
        else this.fixedQuota[key as keyof typeof NEUTRON_FIXED_QUOTA] = n;
      }
    }
    return json(200, { quota: this.quotaView(ctx) });
  }
}
