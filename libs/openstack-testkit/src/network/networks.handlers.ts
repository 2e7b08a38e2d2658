// Neutron networks: list, show, create (quota), delete (refused while compute ports use it).
import { newNetwork } from '../state/cloud-state';
import { networkView } from '../fixtures/neutron-resources-show-response.v2.0';
import { empty, json, type RouteContext, type Router, type WireResponse } from '../http/wire';
import type { NeutronApi } from './network.service';

export class NetworksHandlers {
  constructor(private readonly api: NeutronApi) {}

  register(router: Router): void {
    const { state } = this.api.settings;
    router
      .add('GET', '/v2.0/networks', (ctx) =>
        this.api.list(ctx, 'networks', [...state.networks.values()].map(networkView)),
      )
      .add('GET', '/v2.0/networks/:id', (ctx) =>
        json(200, { network: networkView(this.api.network(ctx.params.id)) }),
      )
      .add('POST', '/v2.0/networks', (ctx) => this.createNetwork(ctx))
      .add('DELETE', '/v2.0/networks/:id', (ctx) => this.deleteNetwork(ctx));
  }

  private createNetwork(ctx: RouteContext): WireResponse {
    const req = this.api.body(ctx, 'network');
    const { state, quota, credentials } = this.api.settings;
    if (state.networks.size >= quota.networks) this.api.overQuota('network');
    if (req.name !== undefined && typeof req.name !== 'string')
      this.api.invalid(`'${String(req.name)}' is not a valid string`);
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
    const network = this.api.network(ctx.params.id);
    const { state } = this.api.settings;
    const inUse = [...state.ports.values()].some(
      (p) => p.networkId === network.id && p.deviceOwner.startsWith('compute:'),
    );
    if (inUse) {
      this.api.fail(
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
}
