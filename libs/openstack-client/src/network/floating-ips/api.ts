import type { CallOptions } from '../../session/session-types';
import type { ResourceList } from '../../common/pagination';
import type { DeleteOptions } from '../../compute/servers/requests';
import type { Session } from '../../session/session';
import { neutronDelete, neutronList, neutronWrite } from '../neutron-collection';
import {
  buildAssociateBody,
  buildCreateFloatingIpBody,
  buildListFloatingIpsQuery,
  type AssociateFloatingIpOptions,
  type CreateFloatingIpOptions,
  type ListFloatingIpsFilters,
} from './requests';
import { parseFloatingIp, type FloatingIp } from './results';
import * as urls from './urls';

export class FloatingIpsApi {
  constructor(private readonly session: Session) {}

  list(filters: ListFloatingIpsFilters = {}): ResourceList<FloatingIp> {
    return neutronList(
      this.session,
      urls.floatingIpsUrl(),
      'floatingips',
      buildListFloatingIpsQuery(filters),
      parseFloatingIp,
      filters.signal,
    );
  }

  /** POST /v2.0/floatingips. Never retried (a lost answer could mean an address was allocated). */
  async create(options: CreateFloatingIpOptions): Promise<FloatingIp> {
    return neutronWrite(
      this.session,
      'POST',
      urls.floatingIpsUrl(),
      'floatingip',
      buildCreateFloatingIpBody(options),
      parseFloatingIp,
      options.signal,
    );
  }

  /** PUT /v2.0/floatingips/{id} with `port_id`. */
  async associate(floatingIpId: string, options: AssociateFloatingIpOptions): Promise<FloatingIp> {
    return neutronWrite(
      this.session,
      'PUT',
      urls.floatingIpUrl(floatingIpId),
      'floatingip',
      buildAssociateBody(options),
      parseFloatingIp,
      options.signal,
    );
  }

  /** PUT /v2.0/floatingips/{id} with `port_id: null`. */
  async disassociate(floatingIpId: string, options: CallOptions = {}): Promise<FloatingIp> {
    return neutronWrite(
      this.session,
      'PUT',
      urls.floatingIpUrl(floatingIpId),
      'floatingip',
      buildAssociateBody(null),
      parseFloatingIp,
      options.signal,
    );
  }

  /** DELETE; false when already gone (ignoreMissing, default true). */
  async delete(floatingIpId: string, options: DeleteOptions = {}): Promise<boolean> {
    return neutronDelete(
      this.session,
      urls.floatingIpUrl(floatingIpId),
      options.ignoreMissing ?? true,
      options.signal,
    );
  }
}
