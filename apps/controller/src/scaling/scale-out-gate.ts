import { Inject, Injectable } from '@nestjs/common';
import { ScalingConfig } from '../config/scaling.config';
import { TrafficConfig } from '../config/traffic.config';
import { Clock, CLOCK } from '../clock/clock';

export type GateState =
  | { readonly open: true }
  | {
      readonly open: false;
      readonly reason: string;
      readonly retryAfterSeconds: number;
      readonly closedAt: string;
    };

/**
 * The seed's 503 while scaling (section 13.8): with `traffic.duringScaleOut: reject` it closes
 * when a scale-out starts and opens again when it ends, whether it succeeded or failed. With
 * `serve` and `queue` it never closes: the instances in rotation keep serving while the new one
 * boots (what happens when none is healthy is the traffic director's business, not the gate's).
 * Reading it is a field access: it sits on the hot path.
 */
@Injectable()
export class ScaleOutGate {
  private state: GateState = { open: true };
  private readonly closesWhileScaling: boolean;

  constructor(
    private readonly config: ScalingConfig,
    traffic: TrafficConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.closesWhileScaling = traffic.duringScaleOut === 'reject';
  }

  current(): GateState {
    return this.state;
  }

  /** A scale-out starts: clients get 503 + Retry-After until `open()` (only in `reject` mode). */
  close(reason: string): void {
    if (!this.closesWhileScaling) return;
    this.state = {
      open: false,
      reason,
      retryAfterSeconds: this.config.retryAfterSeconds,
      closedAt: this.clock.now().toISOString(),
    };
  }

  open(): void {
    this.state = { open: true };
  }
}
