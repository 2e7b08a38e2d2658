import type { Provider } from '@nestjs/common';
import type { OpenStackClient } from '@osa/openstack-client';
import { CLOCK, type Clock } from '../../clock/clock';
import { DataPlaneConfig } from '../../config/data-plane.config';
import { OPENSTACK_CLIENT } from '../../providers/openstack/openstack-client.provider';
import { DATA_PLANE, type DataPlane } from '../../seams/data-plane';
import { LEADERSHIP, type Leadership } from '../../seams/leadership';
import { OctaviaDataPlane } from './octavia-data-plane';

export function createOctaviaDataPlane(
  dataPlane: DataPlaneConfig,
  clock: Clock,
  client: OpenStackClient | undefined,
  leadership?: Leadership,
): DataPlane {
  if (!client)
    throw new Error(
      "dataPlane.kind octavia needs provider.kind openstack: the load balancer's members are the group's servers, and it uses the provider's credentials",
    );
  return new OctaviaDataPlane({ config: dataPlane.octavia, client, clock, leadership });
}

/** DATA_PLANE for `dataPlane.kind: octavia` (its entry in the data-plane module's factories). */
export const octaviaDataPlaneProvider: Provider = {
  provide: DATA_PLANE,
  inject: [DataPlaneConfig, CLOCK, { token: OPENSTACK_CLIENT, optional: true }, LEADERSHIP],
  useFactory: createOctaviaDataPlane,
};
