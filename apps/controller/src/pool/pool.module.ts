import { Module } from '@nestjs/common';
import { TrafficConfig } from '../config/traffic.config';
import { CanaryRouting, CanaryTrafficSelector } from './canary-traffic-selector';
import { InstancePool } from './instance-pool';
import { LeastOutstandingTrafficSelector } from './least-outstanding-traffic-selector';
import { PassiveEjection } from './passive-ejection';
import { RoundRobinTrafficSelector } from './round-robin-traffic-selector';
import { SwitchTrafficSelector, TRAFFIC_SELECTOR, TrafficSelector } from './traffic-selector';

/** The selector for `traffic.mode` (switch | pool) and, in pool mode, `traffic.balancing`. */
export function createTrafficSelector(traffic: TrafficConfig, pool: InstancePool): TrafficSelector {
  if (traffic.mode === 'switch') return new SwitchTrafficSelector(pool);
  return traffic.balancing === 'round-robin'
    ? new RoundRobinTrafficSelector(pool)
    : new LeastOutstandingTrafficSelector(pool);
}

/** The selector for the mode, with an instance refresh's canary share on top (canary-traffic-selector.ts). */
export function createCanaryAwareSelector(
  traffic: TrafficConfig,
  pool: InstancePool,
  canary: CanaryRouting,
): TrafficSelector {
  return new CanaryTrafficSelector(createTrafficSelector(traffic, pool), canary);
}

/** The instance registry, the choice of backend per request, and passive ejection. */
@Module({
  providers: [
    InstancePool,
    PassiveEjection,
    CanaryRouting,
    {
      provide: TRAFFIC_SELECTOR,
      inject: [TrafficConfig, InstancePool, CanaryRouting],
      useFactory: createCanaryAwareSelector,
    },
  ],
  exports: [InstancePool, TRAFFIC_SELECTOR, PassiveEjection, CanaryRouting],
})
export class PoolModule {}
