import { Module } from '@nestjs/common';
import { DataPathModule } from '../data-path/data-path.module';
import { PoolModule } from '../pool/pool.module';
import { ProvidersModule } from '../providers/providers.module';
import { ScalingModule } from '../scaling/scaling.module';
import { CanaryObserver } from './canary-observer';
import { RefreshService } from './refresh.service';

/** Instance refresh (golden-image rollout): canary, batches, rollback, checkpoints (its API: admin/v1/refresh-v1.controller.ts). */
@Module({
  imports: [ScalingModule, PoolModule, ProvidersModule, DataPathModule],
  providers: [RefreshService, CanaryObserver],
  exports: [RefreshService],
})
export class RefreshModule {}
