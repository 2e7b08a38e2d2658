import { Injectable } from '@nestjs/common';
import { ScalingConfig } from '../../config/scaling.config';

/**
 * The minInstances / maxInstances in force: `scaling.minInstances` / `maxInstances` until a
 * `scaling.schedule` entry sets them (ScalingScheduleService). Everything that clamps the desired
 * count or checks a manual request against the range reads these, not the config.
 */
@Injectable()
export class CapacityBounds {
  private scheduledMin: number | undefined;
  private scheduledMax: number | undefined;

  constructor(private readonly config: ScalingConfig) {}

  get minInstances(): number {
    return this.scheduledMin ?? this.config.minInstances;
  }

  get maxInstances(): number {
    return Math.max(this.scheduledMax ?? this.config.maxInstances, this.minInstances);
  }

  /** Sets the scheduled bounds; true when either changed. */
  set(bounds: { readonly minInstances: number; readonly maxInstances: number }): boolean {
    const changed =
      bounds.minInstances !== this.minInstances || bounds.maxInstances !== this.maxInstances;
    this.scheduledMin = bounds.minInstances;
    this.scheduledMax = bounds.maxInstances;
    return changed;
  }
}
