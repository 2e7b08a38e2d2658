import type { Session } from '../../session/session';
import { OctaviaResourceApi } from '../octavia-resource-api';
import {
  buildCreateHealthMonitorBody,
  buildListHealthMonitorsQuery,
  buildUpdateHealthMonitorBody,
  type CreateHealthMonitorOptions,
  type ListHealthMonitorsFilters,
  type UpdateHealthMonitorOptions,
} from './requests';
import { parseHealthMonitor, type HealthMonitor } from './results';
import * as urls from './urls';

/** /v2/lbaas/healthmonitors: the checks that set each member's operating_status. */
export class HealthMonitorsApi extends OctaviaResourceApi<
  HealthMonitor,
  CreateHealthMonitorOptions,
  UpdateHealthMonitorOptions,
  ListHealthMonitorsFilters
> {
  constructor(session: Session) {
    super(session, {
      resource: 'health monitor',
      singular: 'healthmonitor',
      plural: 'healthmonitors',
      collectionUrl: urls.healthMonitorsUrl,
      itemUrl: urls.healthMonitorUrl,
      parse: parseHealthMonitor,
      buildQuery: buildListHealthMonitorsQuery,
      buildCreate: buildCreateHealthMonitorBody,
      buildUpdate: buildUpdateHealthMonitorBody,
    });
  }
}
