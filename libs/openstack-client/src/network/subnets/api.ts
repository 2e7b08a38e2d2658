import type { ResourceList } from '../../common/pagination';
import type { Session } from '../../session/session';
import type { ListSubnetsFilters } from './requests';
import type { Subnet } from './results';

export class SubnetsApi {
  constructor(protected readonly session: Session) {}
  /** GET /v2.0/subnets, lazily following `subnets_links`. */
  list(_filters?: ListSubnetsFilters): ResourceList<Subnet> {
    throw new Error('TODO');
  }
  get(_subnetId: string): Promise<Subnet> {
    throw new Error('TODO');
  }
}
