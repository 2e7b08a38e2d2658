import { Module } from '@nestjs/common';
import { InstancePool } from './instance-pool';
import { SwitchTrafficSelector, TRAFFIC_SELECTOR } from './traffic-selector';

/** The instance registry and the choice of backend per request. */
@Module({
  providers: [
    InstancePool,
    { provide: TRAFFIC_SELECTOR, useClass: SwitchTrafficSelector },
  ],
  exports: [InstancePool, TRAFFIC_SELECTOR],
})
export class PoolModule {}
