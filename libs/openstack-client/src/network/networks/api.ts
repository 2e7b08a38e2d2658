import { AmbiguousNameError, NotFoundError } from '../../common/errors';
import type { ResourceList } from '../../common/pagination';
import type { Session } from '../../session/session';
import { neutronGet, neutronList } from '../neutron-collection';
import { buildListNetworksQuery, type ListNetworksFilters } from './requests';
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
    );
  }

  async get(networkId: string): Promise<Network> {
    return neutronGet(this.session, urls.networkUrl(networkId), 'network', parseNetwork);
  }

  /** By id, else by exact name; NotFoundError / AmbiguousNameError (listing ids). */
  async find(nameOrId: string): Promise<Network> {
    const all = await this.list().toArray();
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
