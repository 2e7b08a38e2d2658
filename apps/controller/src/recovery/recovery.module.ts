import { Module } from '@nestjs/common';
import { ProvidersModule } from '../providers/providers.module';
import { ScalingModule } from '../scaling/scaling.module';
import { GroupRecoveryService } from './group-recovery.service';

/** Restart recovery: lists the group once at start-up and hands the scaler what to adopt. */
@Module({
  imports: [ProvidersModule, ScalingModule],
  providers: [GroupRecoveryService],
  exports: [GroupRecoveryService],
})
export class RecoveryModule {}
