import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { ControllerLifecycle } from './controller-lifecycle';

/**
 * Terminus indicator for the controller itself (not its backends: that is the HealthModule's job).
 * Reports down while starting or shutting down; never throws.
 */
@Injectable()
export class ControllerReadinessIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly lifecycle: ControllerLifecycle,
  ) {}

  check(): HealthIndicatorResult {
    const session = this.indicators.check('controller');
    const phase = this.lifecycle.phase;
    return phase === 'running' ? session.up({ phase }) : session.down({ phase });
  }
}
