import type { CallOptions } from '../../session/session-types';
import { InvalidArgumentError } from '../../common/errors';
import type { ResourceList } from '../../common/pagination';
import type { DeleteOptions } from '../../compute/servers/requests';
import type { Session } from '../../session/session';
import { neutronDelete, neutronGet, neutronList, neutronWrite } from '../neutron-collection';
import {
  buildCreateSubnetBody,
  buildListSubnetsQuery,
  type CreateSubnetOptions,
  type ListSubnetsFilters,
} from './requests';
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
      filters.signal,
    );
  }

  async get(subnetId: string, options: CallOptions = {}): Promise<Subnet> {
    return neutronGet(
      this.session,
      urls.subnetUrl(subnetId),
      'subnet',
      parseSubnet,
      options.signal,
    );
  }

  /**
   * POST /v2.0/subnets. Never retried (a lost answer could mean the subnet exists). Neutron's
   * 400 `InvalidInput` (a CIDR the cloud refuses, an overlap with another subnet of the network)
   * is a BadRequestError whose message is Neutron's; 404 `NetworkNotFound` a NotFoundError;
   * 409 `OverQuota` a QuotaExceededError.
   */
  async create(options: CreateSubnetOptions): Promise<Subnet> {
    return neutronWrite(
      this.session,
      'POST',
      urls.subnetsUrl(),
      'subnet',
      buildCreateSubnetBody(options),
      parseSubnet,
      options.signal,
    );
  }

  /**
   * DELETE /v2.0/subnets/{id}. False when already gone (ignoreMissing, default true). Addresses
   * still allocated to servers give Neutron's 409 `SubnetInUse` (a ConflictError).
   */
  async delete(subnetId: string, options: DeleteOptions = {}): Promise<boolean> {
    // An empty id would address the collection, not a subnet.
    if (!subnetId)
      throw new InvalidArgumentError('deleteSubnet.subnetId', 'must be a non-empty id');
    return neutronDelete(
      this.session,
      urls.subnetUrl(subnetId),
      options.ignoreMissing ?? true,
      options.signal,
    );
  }
}
