// Neutron subnets: create with neutron-lib's and the IPAM checks (CIDR, DHCP on loopback, overlap,
// allocation pools, gateway), the devcloud's loopback guard, list, show, delete.
import type { FakeSubnet } from '../fake-openstack.types';
import { newSubnet } from '../state/cloud-state';
import { subnetView } from '../fixtures/neutron-resources-show-response.v2.0';
import {
  cidrInside,
  cidrRange,
  cidrsOverlap,
  hostRange,
  ipToNumber,
  isIpv4Cidr,
} from './ip-ranges';
import {
  empty,
  isRecord,
  json,
  type RouteContext,
  type Router,
  type WireResponse,
} from '../http/wire';
import type { NeutronApi } from './network.service';

export class SubnetsHandlers {
  constructor(private readonly api: NeutronApi) {}

  register(router: Router): void {
    const { state } = this.api.settings;
    router
      .add('GET', '/v2.0/subnets', (ctx) =>
        this.api.list(ctx, 'subnets', [...state.subnets.values()].map(subnetView)),
      )
      .add('GET', '/v2.0/subnets/:id', (ctx) => json(200, { subnet: subnetView(this.subnet(ctx)) }))
      .add('POST', '/v2.0/subnets', (ctx) => this.createSubnet(ctx))
      .add('DELETE', '/v2.0/subnets/:id', (ctx) => this.deleteSubnet(ctx));
  }

  private subnet(ctx: RouteContext): FakeSubnet {
    const subnet = this.api.settings.state.subnets.get(ctx.params.id);
    if (!subnet)
      this.api.fail(404, 'SubnetNotFound', `Subnet ${ctx.params.id} could not be found.`);
    return subnet;
  }

  private createSubnet(ctx: RouteContext): WireResponse {
    const req = this.api.body(ctx, 'subnet');
    const { state, credentials } = this.api.settings;
    this.api.requireString(req, 'network_id');
    const network = this.api.network(req.network_id);
    if (req.ip_version === undefined)
      this.api.fail(
        400,
        'HTTPBadRequest',
        "Failed to parse request. Required attribute 'ip_version' not specified",
      );
    if (req.ip_version !== 4 && req.ip_version !== 6)
      this.api.invalid(`${String(req.ip_version)} is not in [4, 6].`);
    if (typeof req.cidr !== 'string')
      this.api.invalid('A cidr must be specified in the absence of a subnet pool');
    if (req.ip_version === 4 && !isIpv4Cidr(req.cidr))
      this.api.invalid(`${req.cidr} is not in a CIDR format.`);
    const cidr = req.cidr;
    const requestedPools =
      req.allocation_pools === undefined ? undefined : this.poolsFormat(req.allocation_pools);
    const enableDhcp = req.enable_dhcp !== false;
    // neutron/db/db_base_plugin_v2.py _validate_subnet: DHCP is refused on a loopback range
    // (what the bake tool met on the devcloud: "Loopback IP subnet is not supported if
    // enable_dhcp is True"; enable_dhcp defaults to true). Every profile: it is upstream Neutron.
    if (enableDhcp && req.ip_version === 4 && cidrInside(cidr, '127.0.0.0/8')) {
      this.api.invalid('Loopback IP subnet is not supported if enable_dhcp is True.');
    }
    const range = req.ip_version === 4 ? hostRange(cidr, req.gateway_ip) : undefined;
    const allocationPools =
      requestedPools && range ? this.checkPools(requestedPools, cidr, range.gatewayIp) : undefined;
    for (const other of network.subnetIds.map((id) => state.subnets.get(id))) {
      if (other && other.ipVersion === 4 && cidrsOverlap(other.cidr, cidr)) {
        this.api.invalid(
          `Requested subnet with cidr: ${cidr} for network: ${network.id} overlaps with another subnet.`,
        );
      }
    }
    // The devcloud's ML2 precommit check runs last (captures/neutron/12-subnet-create-outside-127.txt).
    if (this.api.settings.loopbackSubnetsOnly && !cidrInside(cidr, '127.0.0.0/8')) {
      this.api.invalid(
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
      this.api.fail(
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
        this.api.fail(
          400,
          'InvalidAllocationPool',
          `The allocation pool {'start': '${pool.start}', 'end': '${pool.end}'} is not valid.`,
        );
      }
      if (start < network + 1 || end > broadcast - 1) {
        this.api.fail(
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
          this.api.fail(
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
        this.api.fail(
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
    const { state } = this.api.settings;
    if (
      [...state.ports.values()].some(
        (p) =>
          p.fixedIps.some((f) => f.subnetId === subnet.id) && p.deviceOwner.startsWith('compute:'),
      )
    ) {
      this.api.fail(
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
}
