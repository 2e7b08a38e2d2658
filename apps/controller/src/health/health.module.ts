import { Module } from '@nestjs/common';
import { PoolModule } from '../pool/pool.module';
import { BACKEND_PROBE, HttpBackendProbe } from './backend-probe';
import { BackendHealthMonitor } from './backend-health-monitor';
import { BackendReadiness } from './backend-readiness';

/** Whether a backend may take traffic: admission checks and continuous monitoring. */
@Module({
  imports: [PoolModule],
  providers: [
    { provide: BACKEND_PROBE, useClass: HttpBackendProbe },
    BackendReadiness,
    BackendHealthMonitor,
  ],
  exports: [BACKEND_PROBE, BackendReadiness],
})
export class HealthModule {}
