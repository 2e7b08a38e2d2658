import { Global, Module } from '@nestjs/common';
import { PoolModule } from '../pool/pool.module';
import { ControllerMetrics } from './controller-metrics';
import { MetricsController } from './metrics.controller';
import { MetricsRegistry } from './metrics-registry';
import { OpenStackApiCallMetrics } from './openstack-api-call-metrics';

/**
 * `/metrics` on the admin listener. Global so the OpenStack client's factory (ProvidersModule)
 * can inject OpenStackApiCallMetrics, optionally: without this module nothing is counted.
 */
@Global()
@Module({
  imports: [PoolModule],
  controllers: [MetricsController],
  providers: [MetricsRegistry, OpenStackApiCallMetrics, ControllerMetrics],
  exports: [MetricsRegistry, OpenStackApiCallMetrics],
})
export class MetricsModule {}
