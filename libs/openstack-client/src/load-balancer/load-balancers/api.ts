import { AmbiguousNameError } from '../../common/errors';
import type { WaitForStatusOptions } from '../../common/wait';
import { readJsonObject } from '../../common/wire';
import type { Session } from '../../session/session';
import type { CallOptions } from '../../session/session-types';
import { LOAD_BALANCER_SERVICE, octaviaDelete, type OctaviaDeleteOptions } from '../octavia-calls';
import { OctaviaResourceApi } from '../octavia-resource-api';
import type { ProvisioningStatus } from '../provisioning';
import {
  buildCreateLoadBalancerBody,
  buildListLoadBalancersQuery,
  buildUpdateLoadBalancerBody,
  type CreateLoadBalancerOptions,
  type ListLoadBalancersFilters,
  type UpdateLoadBalancerOptions,
} from './requests';
import {
  parseLoadBalancer,
  parseStats,
  parseStatusTree,
  type LoadBalancer,
  type LoadBalancerStats,
  type LoadBalancerStatusTree,
} from './results';
import * as urls from './urls';

export type WaitForLoadBalancerStatusOptions = WaitForStatusOptions<
  LoadBalancer,
  ProvisioningStatus
>;

export interface DeleteLoadBalancerOptions extends OctaviaDeleteOptions {
  /** Delete its listeners, pools, members and monitors with it (`?cascade=true`). Default false. */
  cascade?: boolean;
}

/**
 * /v2/lbaas/loadbalancers. `create` answers at once with PENDING_CREATE: wait with
 * `waitForStatus(id, {target: 'ACTIVE'})`, and register the deletion as soon as the id is known.
 */
export class LoadBalancersApi extends OctaviaResourceApi<
  LoadBalancer,
  CreateLoadBalancerOptions,
  UpdateLoadBalancerOptions,
  ListLoadBalancersFilters
> {
  constructor(session: Session) {
    super(session, {
      resource: 'load balancer',
      singular: 'loadbalancer',
      plural: 'loadbalancers',
      collectionUrl: urls.loadBalancersUrl,
      itemUrl: urls.loadBalancerUrl,
      parse: parseLoadBalancer,
      buildQuery: buildListLoadBalancersQuery,
      buildCreate: buildCreateLoadBalancerBody,
      buildUpdate: buildUpdateLoadBalancerBody,
    });
  }

  /** The one load balancer with this exact name, undefined if none; AmbiguousNameError if several. */
  async findByName(name: string, options: CallOptions = {}): Promise<LoadBalancer | undefined> {
    const matches = (await this.list({ name, signal: options.signal }).toArray()).filter(
      (lb) => lb.name === name && lb.provisioningStatus !== 'DELETED',
    );
    if (matches.length > 1)
      throw new AmbiguousNameError(
        'load balancer',
        name,
        matches.map((lb) => lb.id),
      );
    return matches[0];
  }

  /**
   * DELETE /v2/lbaas/loadbalancers/{id} (204; PENDING_DELETE, then gone). Without `cascade`
   * Octavia refuses (400) while listeners or pools exist. Octavia deletes the VIP port.
   */
  override delete(id: string, options: DeleteLoadBalancerOptions = {}): Promise<boolean> {
    return octaviaDelete(
      this.session,
      urls.loadBalancerUrl(id),
      options,
      options.cascade ? { cascade: 'true' } : undefined,
    );
  }

  /** GET .../stats: connections and bytes of every listener together. */
  stats(id: string, options: CallOptions = {}): Promise<LoadBalancerStats> {
    return getStats(this.session, urls.loadBalancerStatsUrl(id), options.signal);
  }

  /** GET .../status: the tree of listeners, pools, members and monitors with their statuses. */
  async statusTree(id: string, options: CallOptions = {}): Promise<LoadBalancerStatusTree> {
    const res = await this.session.request(LOAD_BALANCER_SERVICE, {
      method: 'GET',
      path: urls.loadBalancerStatusUrl(id),
      signal: options.signal,
    });
    const { wire, root } = readJsonObject(res);
    return parseStatusTree(wire, root);
  }
}

/** GET a `{"stats": {...}}` document (load balancer or listener). */
export async function getStats(
  session: Session,
  path: string,
  signal: AbortSignal | undefined,
): Promise<LoadBalancerStats> {
  const res = await session.request(LOAD_BALANCER_SERVICE, { method: 'GET', path, signal });
  const { wire, root } = readJsonObject(res);
  return parseStats(wire, root);
}
