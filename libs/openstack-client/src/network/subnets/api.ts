import type { ResourceList } from '../../common/pagination';
import type { Session } from '../../session/session';
import { neutronGet, neutronList } from '../neutron-collection';
import { buildListSubnetsQuery, type ListSubnetsFilters } from './requests';
import { parseSubnet, type Subnet } from './results';
import * as urls from './urls';

export class SubnetsApi {
  constructor(private readonly session: Session) {}

  /** GET /v2.0/subnets, lazily following `subnets_links`. */
  list(filters: ListSubnetsFilters = {}): ResourceList<Subnet> {
    return neutronList(
      this.session,
      urls.subnetsUrl(),
      'subnets',
      buildListSubnetsQuery(filters),
      parseSubnet,
    );
  }

  async get(subnetId: string): Promise<Subnet> {
    return neutronGet(this.session, urls.subnetUrl(subnetId), 'subnet', parseSubnet);
  }
}
