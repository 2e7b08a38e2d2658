import type { Provider } from '@nestjs/common';
import type { OpenStackClient } from '@osa/openstack-client';
import { CLOCK, type Clock } from '../../clock/clock';
import { DataPlaneConfig } from '../../config/data-plane.config';
import { OPENSTACK_CLIENT } from '../../providers/openstack/openstack-client.provider';
import { DATA_PLANE, type DataPlane } from '../../seams/data-plane';
import { OctaviaDataPlane } from './octavia-data-plane';

/** DATA_PLANE for `dataPlane.kind: octavia` (the entry of DataPlaneModule's factories). */
export const octaviaDataPlaneProvider: Provider = {
  provide: DATA_PLANE,
  inject: [DataPlaneConfig, OPENSTACK_CLIENT, CLOCK],
  useFactory: (dataPlane: DataPlaneConfig, client: OpenStackClient, clock: Clock): DataPlane =>
    new OctaviaDataPlane({ config: dataPlane.octavia, client, clock }),
};
