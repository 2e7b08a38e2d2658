import type { Session } from '../../session/session';
import type { CallOptions } from '../../session/session-types';
import { getStats } from '../load-balancers/api';
import type { LoadBalancerStats } from '../load-balancers/results';
import { OctaviaResourceApi } from '../octavia-resource-api';
import {
  buildCreateListenerBody,
  buildListListenersQuery,
  buildUpdateListenerBody,
  type CreateListenerOptions,
  type ListListenersFilters,
  type UpdateListenerOptions,
} from './requests';
import { parseListener, type Listener } from './results';
import * as urls from './urls';

/** /v2/lbaas/listeners: a port on the VIP and its protocol. */
export class ListenersApi extends OctaviaResourceApi<
  Listener,
  CreateListenerOptions,
  UpdateListenerOptions,
  ListListenersFilters
> {
  constructor(session: Session) {
    super(session, {
      resource: 'listener',
      singular: 'listener',
      plural: 'listeners',
      collectionUrl: urls.listenersUrl,
      itemUrl: urls.listenerUrl,
      parse: parseListener,
      buildQuery: buildListListenersQuery,
      buildCreate: buildCreateListenerBody,
      buildUpdate: buildUpdateListenerBody,
    });
  }

  /** GET .../stats of this listener (same shape as the load balancer's). */
  stats(id: string, options: CallOptions = {}): Promise<LoadBalancerStats> {
    return getStats(this.session, urls.listenerStatsUrl(id), options.signal);
  }
}
