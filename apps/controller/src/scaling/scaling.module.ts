import { Global, Module } from '@nestjs/common';
import { HealthModule } from '../health/health.module';
import { PoolModule } from '../pool/pool.module';
import { TRAFFIC_DIRECTOR } from '../seams/traffic-director';
import { GroupRecoveryService } from '../recovery/group-recovery.service';
import { InstanceHealer } from './healing/instance-healer.service';
import { InstanceDeleter } from './instance-deleter';
import { OriginalInstanceService } from './original-instance.service';
import { PolicyEvaluator } from './policies/policy-evaluator';
import { RequestCountPolicy } from './request-count-policy';
import { InstanceRemovalService } from './scale-in/instance-removal.service';
import { ScaleOutGate } from './scale-out-gate';
import { ScalingEventLog } from './scaling-event-log';
import { ScalingTrafficDirector } from './scaling-traffic-director';
import { ScalingService } from './scaling.service';

/**
 * When and how instances are added and removed (policies, scale-out runs, scale-in, self-healing,
 * restart recovery), the 503 gate, and the TrafficDirector the proxy asks per request. Global so
 * the proxy can inject `TRAFFIC_DIRECTOR` without importing control-plane code.
 */
@Global()
@Module({
  imports: [PoolModule, HealthModule],
  providers: [
    RequestCountPolicy,
    PolicyEvaluator,
    ScaleOutGate,
    ScalingEventLog,
    InstanceDeleter,
    InstanceRemovalService,
    OriginalInstanceService,
    ScalingService,
    InstanceHealer,
    GroupRecoveryService,
    ScalingTrafficDirector,
    { provide: TRAFFIC_DIRECTOR, useExisting: ScalingTrafficDirector },
  ],
  exports: [
    TRAFFIC_DIRECTOR,
    ScalingTrafficDirector,
    ScalingService,
    ScaleOutGate,
    RequestCountPolicy,
    OriginalInstanceService,
    ScalingEventLog,
    InstanceHealer,
    GroupRecoveryService,
  ],
})
export class ScalingModule {}
