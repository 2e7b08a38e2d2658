// Neutron floating IPs (only with the L3 plugin; NetworkService answers 404 without it): list,
// show, create on an external network, associate / disassociate with a port, delete.
import { randomUUID } from 'node:crypto';
import type { FakeFloatingIp } from '../fake-openstack.types';
import { floatingIpView } from '../fixtures/neutron-resources-show-response.v2.0';
import {
  empty,
  json,
  timestamps,
  type RouteContext,
  type Router,
  type WireResponse,
} from '../http/wire';
import type { NeutronApi, View } from './network.service';

export class FloatingIpsHandlers {
  constructor(private readonly api: NeutronApi) {}

  register(router: Router): void {
    const { state } = this.api.settings;
    router
      .add('GET', '/v2.0/floatingips', (ctx) => this.listFloatingIps(ctx))
      .add('GET', '/v2.0/floatingips/:id', (ctx) =>
        json(200, { floatingip: this.floatingIpView(this.floatingIp(ctx)) }),
      )
      .add('POST', '/v2.0/floatingips', (ctx) => this.createFloatingIp(ctx))
      .add('PUT', '/v2.0/floatingips/:id', (ctx) => this.updateFloatingIp(ctx))
      .add('DELETE', '/v2.0/floatingips/:id', (ctx) => {
        state.floatingIps.delete(this.floatingIp(ctx).id);
        return empty(204);
      });
  }

  private floatingIp(ctx: RouteContext): FakeFloatingIp {
    const fip = this.api.settings.state.floatingIps.get(ctx.params.id);
    if (!fip)
      this.api.fail(404, 'FloatingIPNotFound', `Floating IP ${ctx.params.id} could not be found`);
    return fip;
  }

  private floatingIpView(fip: FakeFloatingIp): View {
    return floatingIpView(
      fip,
      fip.portId ? this.api.settings.state.ports.get(fip.portId) : undefined,
    );
  }

  private listFloatingIps(ctx: RouteContext): WireResponse {
    this.api.settings.lifecycle.advanceAllServers();
    return this.api.list(
      ctx,
      'floatingips',
      [...this.api.settings.state.floatingIps.values()].map((f) => this.floatingIpView(f)),
    );
  }

  private createFloatingIp(ctx: RouteContext): WireResponse {
    const req = this.api.body(ctx, 'floatingip');
    const { state, quota, credentials, lifecycle } = this.api.settings;
    this.api.requireString(req, 'floating_network_id');
    const network = this.api.network(req.floating_network_id);
    if (!network.external) {
      this.api.fail(
        400,
        'BadRequest',
        `Bad floatingip request: Network ${network.id} is not a valid external network.`,
      );
    }
    if (state.floatingIps.size >= quota.floatingIps) this.api.overQuota('floatingip');
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
      this.api.fail(
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
    const req = this.api.body(ctx, 'floatingip');
    if (!('port_id' in req))
      this.api.fail(
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
    const port = this.api.port(String(portId));
    const ip = typeof fixedIp === 'string' ? fixedIp : port.fixedIps[0]?.ipAddress;
    if (!ip || !port.fixedIps.some((f) => f.ipAddress === ip)) {
      this.api.fail(
        400,
        'BadRequest',
        `Bad floatingip request: Port ${port.id} does not have fixed ip ${String(ip)}.`,
      );
    }
    const taken = [...this.api.settings.state.floatingIps.values()].find(
      (f) => f.id !== fip.id && f.portId === port.id && f.fixedIpAddress === ip,
    );
    if (taken) {
      this.api.fail(
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
}
