import { ClientEvent } from '@osa/openstack-client';

/**
 * Sees every event the OpenStack client reports (calls, retries, auth). The client's factory
 * (providers/) takes it optionally; /metrics (metrics/) provides it. Declared here so neither
 * folder imports the other.
 */
export interface OpenStackCallObserver {
  record(event: ClientEvent): void;
}

export const OPENSTACK_CALL_OBSERVER = Symbol('OPENSTACK_CALL_OBSERVER');
