import { DynamicModule, Module } from '@nestjs/common';
import { AdminModule } from './admin/admin.module';
import { DashboardModule } from './admin/ui/dashboard.module';
import { AdminV1Module } from './admin/v1/admin-v1.module';
import { LoadedControllerConfig } from './config/config-loader';
import { ControllerConfigModule } from './config/config.module';
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
        // The proxy on ScalingModule's TRAFFIC_DIRECTOR; PROXY_CONFIG from the global config module.
        DataPathModule,
        AdminModule,
        AdminV1Module,
        DashboardModule,
        MetricsModule,
      ],
    };
  }
}
