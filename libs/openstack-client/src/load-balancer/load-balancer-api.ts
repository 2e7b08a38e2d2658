import type { Session } from '../session/session';
import { HealthMonitorsApi } from './health-monitors/api';
import { ListenersApi } from './listeners/api';
import { LoadBalancersApi } from './load-balancers/api';
import { MembersApi } from './members/api';
import { PoolsApi } from './pools/api';

/**
 * Octavia v2 (catalog type `load-balancer`). Every change makes the load balancer PENDING_UPDATE
 * until the provider has applied it, and Octavia refuses other changes meanwhile (409
 * "immutable", an ImmutableResourceError): each change here is resent boundedly in that case,
 * and callers wait for `loadBalancers.waitForStatus(id, {target: 'ACTIVE'})` between changes.
 */
export class LoadBalancerApi {
  readonly loadBalancers: LoadBalancersApi;
  readonly listeners: ListenersApi;
  readonly pools: PoolsApi;
  readonly members: MembersApi;
  readonly healthMonitors: HealthMonitorsApi;
  constructor(session: Session) {
    this.loadBalancers = new LoadBalancersApi(session);
    this.listeners = new ListenersApi(session);
    this.pools = new PoolsApi(session);
    this.members = new MembersApi(session);
    this.healthMonitors = new HealthMonitorsApi(session);
  }
}
