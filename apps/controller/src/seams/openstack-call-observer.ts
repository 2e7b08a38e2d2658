import { ClientEvent } from '@osa/openstack-client';

/**
 * Sees every event the OpenStack client reports (calls, retries, auth). /metrics (metrics/)
 * implements it and subscribes to providers/openstack-call-feed.ts.
 */
export interface OpenStackCallObserver {
  record(event: ClientEvent): void;
}
