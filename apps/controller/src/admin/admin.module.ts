import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { PoolModule } from '../pool/pool.module';
import { RefreshModule } from '../refresh/refresh.module';
import { ProvidersModule } from '../providers/providers.module';
import { ScalingModule } from '../scaling/scaling.module';
import { AdminAuthGuard } from './admin-auth.guard';
import { ControllerLifecycle } from './controller-lifecycle';
import { ControllerReadinessIndicator } from './controller-readiness.indicator';
import { HealthController } from './health.controller';
import { ScalingActionsController } from './scaling-actions.controller';
import { ScalingActionsService } from './scaling-actions.service';
import { StatusController } from './status.controller';
import { StatusService } from './status.service';

/**
 * The admin listener's routes (Nest's own HTTP server, 127.0.0.1:8001 by default). Controllers
 * only delegate; add a route by adding a controller here (manual actions, /metrics).
 */
@Module({
  imports: [
    TerminusModule.forRoot({ logger: false }),
    PoolModule,
    ProvidersModule,
    ScalingModule,
    RefreshModule,
  ],
  controllers: [HealthController, StatusController, ScalingActionsController],
  // APP_GUARD: the auth guard covers every admin route in the app, including other modules' controllers.
  providers: [
    { provide: APP_GUARD, useClass: AdminAuthGuard },
    ControllerLifecycle,
    ControllerReadinessIndicator,
    StatusService,
    ScalingActionsService,
  ],
  exports: [ControllerLifecycle, StatusService, ScalingActionsService],
})
export class AdminModule {}
