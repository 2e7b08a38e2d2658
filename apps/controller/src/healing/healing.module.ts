import { Module } from '@nestjs/common';
import { PoolModule } from '../pool/pool.module';
import { ProvidersModule } from '../providers/providers.module';
import { ScalingModule } from '../scaling/scaling.module';
import { InstanceHealer } from './instance-healer.service';

/** Self-healing: watches the pool and the provider, and asks the scaler to replace what died. */
@Module({
  imports: [PoolModule, ProvidersModule, ScalingModule],
  providers: [InstanceHealer],
  exports: [InstanceHealer],
})
export class HealingModule {}
