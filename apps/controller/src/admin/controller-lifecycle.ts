import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';

export type LifecyclePhase = 'starting' | 'running' | 'shutting-down';

/**
 * The controller's own lifecycle, for its readiness endpoint. `onModuleDestroy` is the first
 * shutdown hook Nest calls, so /healthz answers 503 for the whole shutdown while the listener
 * is still open (a load balancer in front sees us go before we are gone).
 */
@Injectable()
export class ControllerLifecycle implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Lifecycle');
  private current: LifecyclePhase = 'starting';

  get phase(): LifecyclePhase {
    return this.current;
  }

  onApplicationBootstrap(): void {
    this.current = 'running';
  }

  onModuleDestroy(): void {
    if (this.current !== 'shutting-down')
      this.logger.log('shutting down: /healthz now answers 503');
    this.current = 'shutting-down';
  }
}
