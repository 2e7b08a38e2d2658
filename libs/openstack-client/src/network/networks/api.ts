import type { CallOptions } from '../../session/session-types';
import { AmbiguousNameError, InvalidArgumentError, NotFoundError } from '../../common/errors';
import type { ResourceList } from '../../common/pagination';
import type { DeleteOptions } from '../../compute/servers/requests';
import type { Session } from '../../session/session';
import { neutronDelete, neutronGet, neutronList, neutronWrite } from '../neutron-collection';
import {
  buildCreateNetworkBody,
  buildListNetworksQuery,
  type CreateNetworkOptions,
  type ListNetworksFilters,
} from './requests';
import { parseNetwork, type Network } from './results';
import * as urls from './urls';

export class NetworksApi {
  constructor(private readonly session: Session) {}

  /** GET /v2.0/networks, lazily following `networks_links`. */
  list(filters: ListNetworksFilters = {}): ResourceList<Network> {
    return neutronList(
      this.session,
      urls.networksUrl(),
      'networks',
      buildListNetworksQuery(filters),
      parseNetwork,
      filters.signal,
    );
  }

  async get(networkId: string, options: CallOptions = {}): Promise<Network> {
    return neutronGet(
      this.session,
      urls.networkUrl(networkId),
      'network',
      parseNetwork,
      options.signal,
    );
  }

  /**
   * POST /v2.0/networks. Never retried (a lost answer could mean the network exists): look it up
   * by name before creating again. Neutron's 409 `OverQuota` is a QuotaExceededError.
   */
  async create(options: CreateNetworkOptions): Promise<Network> {
    return neutronWrite(
      this.session,
      'POST',
      urls.networksUrl(),
      'network',
      buildCreateNetworkBody(options),
      parseNetwork,
      options.signal,
    );
  }

  /**
   * DELETE /v2.0/networks/{id}; its subnets go with it. False when already gone (ignoreMissing,
   * default true). Ports still in use give Neutron's 409 `NetworkInUse` (a ConflictError).
   */
  async delete(networkId: string, options: DeleteOptions = {}): Promise<boolean> {
    // An empty id would address the collection, not a network.
    if (!networkId)
      throw new InvalidArgumentError('deleteNetwork.networkId', 'must be a non-empty id');
    return neutronDelete(
      this.session,
      urls.networkUrl(networkId),
      options.ignoreMissing ?? true,
      options.signal,
    );
  }

  /** By id, else by exact name; NotFoundError / AmbiguousNameError (listing ids). */
  async find(nameOrId: string, options: CallOptions = {}): Promise<Network> {
    const all = await this.list({ signal: options.signal }).toArray();
    const byId = all.find((n) => n.id === nameOrId);
    if (byId) return byId;
    const byName = all.filter((n) => n.name === nameOrId);
    if (byName.length === 1) return byName[0];
    if (byName.length > 1)
      throw new AmbiguousNameError(
        'network',
        nameOrId,
        byName.map((n) => n.id),
      );
    throw new NotFoundError({
      status: 404,
      service: 'network',
      method: 'GET',
      url: urls.networksUrl(),
      serverMessage: `no network has the id or name "${nameOrId}"; networks: ${all.map((n) => `${n.name} (${n.id})`).join(', ') || 'none'}`,
    });
  }
}
