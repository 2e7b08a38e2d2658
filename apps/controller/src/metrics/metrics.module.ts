import { Global, Module } from '@nestjs/common';
import { PoolModule } from '../pool/pool.module';
import { ScalingModule } from '../scaling/scaling.module';
import { ControllerMetrics } from './controller-metrics';
import { MetricsController } from './metrics.controller';
import { MetricsRegistry } from './metrics-registry';
import { OPENSTACK_CALL_OBSERVER } from '../seams/openstack-call-observer';
import { OpenStackApiCallMetrics } from './openstack-api-call-metrics';
import { LeadershipMetrics } from './leadership-metrics';

/**
 * `/metrics` on the admin listener. Global so the OpenStack client's factory (ProvidersModule)
 * can inject OPENSTACK_CALL_OBSERVER (seams/), optionally: without this module nothing is counted.
 */
@Global()
@Module({
  imports: [PoolModule, ScalingModule],
  controllers: [MetricsController],
  providers: [MetricsRegistry, OpenStackApiCallMetrics, { provide: OPENSTACK_CALL_OBSERVER, useExisting: OpenStackApiCallMetrics }, ControllerMetrics, LeadershipMetrics],
  exports: [MetricsRegistry, OpenStackApiCallMetrics, OPENSTACK_CALL_OBSERVER],
})
export class MetricsModule {}
