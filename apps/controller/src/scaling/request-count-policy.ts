import { Injectable } from '@nestjs/common';
import { ScalingConfig } from '../config/scaling.config';

/**
 * The seed's trigger: scale out at the N-th request counted since the last scale event. Only
 * requests that would be served are counted (not the 503s of a closed gate), so the count
 * restarts cleanly after every scale-out.
 */
@Injectable()
export class RequestCountPolicy {
  private countedSinceScaleEvent = 0;

  constructor(private readonly config: ScalingConfig) {}

  /** Count one request; true when the threshold is reached. */
  count(): boolean {
    this.countedSinceScaleEvent++;
    return this.countedSinceScaleEvent >= this.config.thresholdRequests;
  }

  get counted(): number {
    return this.countedSinceScaleEvent;
  }

  get threshold(): number {
    return this.config.thresholdRequests;
  }

  /** A scale event happened: start counting again. */
  reset(): void {
    this.countedSinceScaleEvent = 0;
  }
}
