import { Module } from '@nestjs/common';
import { DataPathModule } from '../data-path/data-path.module';
import { PoolModule } from '../pool/pool.module';
import { ProvidersModule } from '../providers/providers.module';
import { ScalingModule } from '../scaling/scaling.module';
import { ControllerMetrics } from './controller-metrics';
import { MetricsController } from './metrics.controller';
import { MetricsRegistry } from './metrics-registry';
import { OpenStackApiCallMetrics } from './openstack-api-call-metrics';
import { PlacementMetrics } from './placement-metrics';
import { LeadershipMetrics } from './leadership-metrics';

/**
 * `/metrics` on the admin listener. Not global: it imports what it counts (the pool, scaling,
 * the data path's ProxyServer, the providers' OpenStackCallFeed); nothing imports it.
 */
@Module({
  imports: [PoolModule, ProvidersModule, ScalingModule, DataPathModule],
  controllers: [MetricsController],
  providers: [
    MetricsRegistry,
    OpenStackApiCallMetrics,
    ControllerMetrics,
    PlacementMetrics,
    LeadershipMetrics,
  ],
  exports: [MetricsRegistry],
})
export class MetricsModule {}
