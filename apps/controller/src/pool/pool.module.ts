import { Module } from '@nestjs/common';
import { TrafficConfig } from '../config/traffic.config';
import { InstancePool } from './instance-pool';
import { LeastOutstandingTrafficSelector } from './least-outstanding-traffic-selector';
import { PassiveEjection } from './passive-ejection';
import { RoundRobinTrafficSelector } from './round-robin-traffic-selector';
import { SwitchTrafficSelector, TRAFFIC_SELECTOR, TrafficSelector } from './traffic-selector';

/** The selector for `traffic.mode` (switch | pool) and, in pool mode, `traffic.balancing`. */
export function createTrafficSelector(traffic: TrafficConfig, pool: InstancePool): TrafficSelector {
  if (traffic.mode === 'switch') return new SwitchTrafficSelector(pool);
  return traffic.balancing === 'round-robin' ? new RoundRobinTrafficSelector(pool) : new LeastOutstandingTrafficSelector(pool);
}

/** The instance registry, the choice of backend per request, and passive ejection. */
@Module({
  providers: [
    InstancePool,
    PassiveEjection,
    { provide: TRAFFIC_SELECTOR, inject: [TrafficConfig, InstancePool], useFactory: createTrafficSelector },
  ],
  exports: [InstancePool, TRAFFIC_SELECTOR, PassiveEjection],
})
export class PoolModule {}
