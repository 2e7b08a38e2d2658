import type { Session } from '../../session/session';
import { OctaviaResourceApi } from '../octavia-resource-api';
import {
  buildCreatePoolBody,
  buildListPoolsQuery,
  buildUpdatePoolBody,
  type CreatePoolOptions,
  type ListPoolsFilters,
  type UpdatePoolOptions,
} from './requests';
import { parsePool, type Pool } from './results';
import * as urls from './urls';

/** /v2/lbaas/pools: the members a listener balances across (members: `loadBalancer.members`). */
export class PoolsApi extends OctaviaResourceApi<
  Pool,
  CreatePoolOptions,
  UpdatePoolOptions,
  ListPoolsFilters
> {
  constructor(session: Session) {
    super(session, {
      resource: 'pool',
      singular: 'pool',
      plural: 'pools',
      collectionUrl: urls.poolsUrl,
      itemUrl: urls.poolUrl,
      parse: parsePool,
      buildQuery: buildListPoolsQuery,
      buildCreate: buildCreatePoolBody,
      buildUpdate: buildUpdatePoolBody,
    });
  }
}
