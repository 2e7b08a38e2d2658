// Neutron ports: list (servers' ports appear as they get addresses), show, create (next free
// address of the network's IPv4 subnet), delete (its floating IPs are released).
import { portView } from '../fixtures/neutron-resources-show-response.v2.0';
import { empty, json, type RouteContext, type Router, type WireResponse } from '../http/wire';
import type { NeutronApi } from './network.service';

export class PortsHandlers {
  constructor(private readonly api: NeutronApi) {}

  register(router: Router): void {
    router
      .add('GET', '/v2.0/ports', (ctx) => this.listPorts(ctx))
      .add('GET', '/v2.0/ports/:id', (ctx) =>
        json(200, { port: portView(this.api.port(ctx.params.id)) }),
      )
      .add('POST', '/v2.0/ports', (ctx) => this.createPort(ctx))
      .add('DELETE', '/v2.0/ports/:id', (ctx) => this.deletePort(ctx));
  }

  private listPorts(ctx: RouteContext): WireResponse {
    // Ports of servers appear as servers get their addresses.
    this.api.settings.lifecycle.advanceAllServers();
    return this.api.list(ctx, 'ports', [...this.api.settings.state.ports.values()].map(portView));
  }

  private createPort(ctx: RouteContext): WireResponse {
    const req = this.api.body(ctx, 'port');
    const { state, quota, lifecycle } = this.api.settings;
    this.api.requireString(req, 'network_id');
    const network = this.api.network(req.network_id);
    if (state.ports.size >= quota.ports) this.api.overQuota('port');
    const subnet = network.subnetIds
      .map((id) => state.subnets.get(id))
      .find((s) => s?.ipVersion === 4);
    const ip = subnet ? lifecycle.allocateIp(subnet) : undefined;
    if (subnet && !ip)
      this.api.fail(
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
    const port = this.api.port(ctx.params.id);
    const { state } = this.api.settings;
    state.ports.delete(port.id);
    for (const fip of state.floatingIps.values()) {
      if (fip.portId === port.id)
        Object.assign(fip, { portId: null, fixedIpAddress: null, status: 'DOWN', routerId: null });
    }
    return empty(204);
  }
}
