import type { ResourceList } from '../../common/pagination';
import type { Session } from '../../session/session';
import type { DeleteOptions } from '../../compute/servers/requests';
import type { AssociateFloatingIpOptions, CreateFloatingIpOptions, ListFloatingIpsFilters } from './requests';
import type { FloatingIp } from './results';

export class FloatingIpsApi {
  constructor(protected readonly session: Session) {}
  list(_filters?: ListFloatingIpsFilters): ResourceList<FloatingIp> {
    throw new Error('TODO');
  }
  /** POST /v2.0/floatingips. Never retried. */
  create(_options: CreateFloatingIpOptions): Promise<FloatingIp> {
    throw new Error('TODO');
  }
  /** PUT /v2.0/floatingips/{id} with `port_id`. */
  associate(_floatingIpId: string, _options: AssociateFloatingIpOptions): Promise<FloatingIp> {
    throw new Error('TODO');
  }
  /** PUT /v2.0/floatingips/{id} with `port_id: null`. */
  disassociate(_floatingIpId: string): Promise<FloatingIp> {
    throw new Error('TODO');
  }
  delete(_floatingIpId: string, _options?: DeleteOptions): Promise<boolean> {
    throw new Error('TODO');
  }
}
