import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { HealthModule } from '../health/health.module';
import { PoolModule } from '../pool/pool.module';
import { ProvidersModule } from '../providers/providers.module';
import { TRAFFIC_DIRECTOR } from '../seams/traffic-director';
import { InstanceDeleter } from './instance-deleter';
import { OriginalInstanceService } from './original-instance.service';
import { PolicyEvaluator } from './policies/policy-evaluator';
import { RequestCountPolicy } from './request-count-policy';
import { InstanceRemovalService } from './scale-in/instance-removal.service';
import { ScaleOutGate } from './scale-out-gate';
import { ScalingEventLog } from './scaling-event-log';
import { ScalingTrafficDirector } from './scaling-traffic-director';
import { ScalingService } from './scaling.service';
import { CapacityBounds } from './schedule/capacity-bounds';
import { ScalingScheduleService } from './schedule/scaling-schedule.service';
import { WarmPoolService } from './warm-pool/warm-pool.service';

/**
 * When and how instances are added and removed (decisions, the reconciler, launches, scale-in),
 * the 503 gate, and the TrafficDirector the proxy asks per request. Not global: DataPathModule
 * hands it to ProxyModule.register, and healing, recovery, admin and metrics import it (the
 * module graph in docs/architecture.md is a tree).
 */
@Module({
  imports: [PoolModule, HealthModule, ProvidersModule, ScheduleModule.forRoot()],
  providers: [
    RequestCountPolicy,
    PolicyEvaluator,
    ScaleOutGate,
    ScalingEventLog,
    InstanceDeleter,
    InstanceRemovalService,
    OriginalInstanceService,
    ScalingService,
    WarmPoolService,
    ScalingTrafficDirector,
    CapacityBounds,
    ScalingScheduleService,
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
    InstanceDeleter,
    CapacityBounds,
    ScalingScheduleService,
    WarmPoolService,
  ],
})
export class ScalingModule {}
