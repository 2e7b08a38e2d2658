import { Module } from '@nestjs/common';
import { ScalingConfig } from '../config/scaling.config';
import { TrafficConfig } from '../config/traffic.config';
import { InstancePool } from './instance-pool';
import { LeastOutstandingTrafficSelector } from './least-outstanding-traffic-selector';
import { PassiveEjection } from './passive-ejection';
import { RoundRobinTrafficSelector } from './round-robin-traffic-selector';
import { SwitchTrafficSelector, TRAFFIC_SELECTOR, TrafficSelector } from './traffic-selector';

/** The selector for `scaling.traffic` (switch | pool) and, in pool mode, `traffic.balancing`. */
export function createTrafficSelector(scaling: ScalingConfig, traffic: TrafficConfig, pool: InstancePool): TrafficSelector {
  if (scaling.traffic === 'switch') return new SwitchTrafficSelector(pool);
  return traffic.balancing === 'round-robin' ? new RoundRobinTrafficSelector(pool) : new LeastOutstandingTrafficSelector(pool);
}

/** The instance registry, the choice of backend per request, and passive ejection. */
@Module({
  providers: [
    InstancePool,
    PassiveEjection,
    { provide: TRAFFIC_SELECTOR, inject: [ScalingConfig, TrafficConfig, InstancePool], useFactory: createTrafficSelector },
  ],
  exports: [InstancePool, TRAFFIC_SELECTOR, PassiveEjection],
})
export class PoolModule {}
