import { Module } from '@nestjs/common';
import { PoolModule } from '../pool/pool.module';
import { ScalingModule } from '../scaling/scaling.module';
import { CanaryObserver } from './canary-observer';
import { RefreshV1Controller } from './refresh-v1.controller';
import { RefreshService } from './refresh.service';

/** Instance refresh (golden-image rollout): canary, batches, rollback, checkpoints; /v1/refresh. */
@Module({
  imports: [ScalingModule, PoolModule],
  controllers: [RefreshV1Controller],
  providers: [RefreshService, CanaryObserver],
  exports: [RefreshService],
})
export class RefreshModule {}
