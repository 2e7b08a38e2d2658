import { Inject, Injectable } from '@nestjs/common';
import { ScalingConfig } from '../config/scaling.config';
import { Clock, CLOCK } from '../providers/clock';

export type GateState =
  | { readonly open: true }
  | { readonly open: false; readonly reason: string; readonly retryAfterSeconds: number; readonly closedAt: string };

/**
 * The seed's 503 while scaling (section 13.8): closed when a scale-out starts, opened again when
 * it ends, whether it succeeded or failed. Reading it is a field access: it sits on the hot path.
 */
@Injectable()
export class ScaleOutGate {
  private state: GateState = { open: true };

  constructor(
    private readonly config: ScalingConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  current(): GateState {
    return this.state;
  }

  close(reason: string): void {
    this.state = { open: false, reason, retryAfterSeconds: this.config.retryAfterSeconds, closedAt: this.clock.now().toISOString() };
  }

  open(): void {
    this.state = { open: true };
  }
}
