import { BooleanFlag, DurationMs, IntegerIn, OneOf } from './config-rules';

/** Which admitted instance a scale-in removes first. */
export const SCALE_IN_SELECTIONS = ['newest', 'least-loaded'] as const;
export type ScaleInSelection = (typeof SCALE_IN_SELECTIONS)[number];

/** How instances leave the pool when the desired count goes down (`scaling.scaleIn`). */
export class ScaleInConfig {
  /**
   * No flapping: a policy may lower the desired count only when, for this whole window, the load
   * would have fit on fewer instances at or below its target (the highest recommendation seen in
   * the window wins).
   */
  @DurationMs(0, 86_400_000)
  sustainedBelowTargetMs = 60_000;

  /** At most this many instances removed by one policy-driven scale-in. */
  @IntegerIn(1, 1000)
  step = 1;

  /** `newest` removes the most recently admitted instance; `least-loaded` the one with the fewest requests in flight. */
  @OneOf(SCALE_IN_SELECTIONS)
  selection: ScaleInSelection = 'newest';

  /** After it stops receiving new requests, an instance's in-flight requests get this long before it is deleted anyway. */
  @DurationMs(0, 3_600_000)
  drainTimeoutMs = 30_000;

  /** The original (`provider.originalName`) is never chosen by a scale-in (a manual remove is refused too). */
  @BooleanFlag()
  protectOriginal = true;
}
