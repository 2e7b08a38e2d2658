import { DynamicModule, Module } from '@nestjs/common';
import { AdminModule } from './admin/admin.module';
import { DashboardModule } from './admin/ui/dashboard.module';
import { AdminV1Module } from './admin/v1/admin-v1.module';
import { LoadedControllerConfig } from './config/config-loader';
import { ControllerConfigModule } from './config/config.module';
import { DataPlaneModule } from './data-plane/data-plane.module';
import { HealthModule } from './health/health.module';
import { MetricsModule } from './metrics/metrics.module';
import { PoolModule } from './pool/pool.module';
import { ClockModule } from './clock/clock.module';
import { DataPathModule } from './data-path/data-path.module';
import { HealingModule } from './healing/healing.module';
import { RecoveryModule } from './recovery/recovery.module';
import { RefreshModule } from './refresh/refresh.module';
import { ScalingModule } from './scaling/scaling.module';

/**
 * The controller: validated config, the instance provider, the pool, backend health, scaling
 * (which implements the proxy's TrafficDirector), the data path, and the admin listener.
 */
@Module({})
export class AppModule {
  static forRoot(loaded: LoadedControllerConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ControllerConfigModule.forRoot(loaded),
        ClockModule,
        PoolModule,
        HealthModule,
        ScalingModule,
        HealingModule,
        RecoveryModule,
        RefreshModule,
        // builtin: the proxy on ScalingModule's TRAFFIC_DIRECTOR; otherwise the external data plane
        // (DataPathModule is still imported by /metrics and the v1 sampler, but does not listen then).
        loaded.config.dataPlane.kind === 'builtin'
          ? DataPathModule
          : DataPlaneModule.forKind(loaded.config.dataPlane.kind),
        AdminModule,
        AdminV1Module,
        DashboardModule,
        MetricsModule,
      ],
    };
  }
}
