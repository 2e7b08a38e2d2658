import type { ResourceList } from '../../common/pagination';
import type { Session } from '../../session/session';
import type { ListNetworksFilters } from './requests';
import type { Network } from './results';

export class NetworksApi {
  constructor(protected readonly session: Session) {}
  /** GET /v2.0/networks, lazily following `networks_links`. */
  list(_filters?: ListNetworksFilters): ResourceList<Network> {
    throw new Error('TODO');
  }
  get(_networkId: string): Promise<Network> {
    throw new Error('TODO');
  }
  /** By id, else by exact name; NotFoundError / AmbiguousNameError. */
  find(_nameOrId: string): Promise<Network> {
    throw new Error('TODO');
  }
}
