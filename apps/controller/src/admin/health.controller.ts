import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckResult, HealthCheckService } from '@nestjs/terminus';
import { ControllerReadinessIndicator } from './controller-readiness.indicator';

/** `GET /healthz`: is the controller itself up (200) or starting/shutting down (503). */
@Controller('healthz')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly readiness: ControllerReadinessIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check(): Promise<HealthCheckResult> {
    return this.health.check([() => this.readiness.check()]);
  }
}
