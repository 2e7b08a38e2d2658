import { Global, Module } from '@nestjs/common';
import { HealthModule } from '../health/health.module';
import { PoolModule } from '../pool/pool.module';
import { TRAFFIC_DIRECTOR } from '../proxy/traffic-director';
import { OriginalInstanceService } from './original-instance.service';
import { RequestCountPolicy } from './request-count-policy';
import { ScaleOutGate } from './scale-out-gate';
import { ScalingTrafficDirector } from './scaling-traffic-director';
import { ScalingService } from './scaling.service';

/**
 * When and how instances are added, the 503 gate, and the TrafficDirector the proxy asks per
 * request. Global so the proxy can inject `TRAFFIC_DIRECTOR` without importing control-plane code.
 */
@Global()
@Module({
  imports: [PoolModule, HealthModule],
  providers: [
    RequestCountPolicy,
    ScaleOutGate,
    ScalingService,
    OriginalInstanceService,
    ScalingTrafficDirector,
    { provide: TRAFFIC_DIRECTOR, useExisting: ScalingTrafficDirector },
  ],
  exports: [TRAFFIC_DIRECTOR, ScalingTrafficDirector, ScalingService, ScaleOutGate, RequestCountPolicy, OriginalInstanceService],
})
export class ScalingModule {}
