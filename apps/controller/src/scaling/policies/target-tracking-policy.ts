import { ScalingPolicyName } from '../../config/scaling.config';

export type TargetTrackingPolicyName = Exclude<ScalingPolicyName, 'request-count'>;

/** One evaluation of a target-tracking policy. */
export interface TargetTrackingVerdict {
  readonly policy: TargetTrackingPolicyName;
  /** The metric over the whole pool (requests/s, or requests in flight), averaged over the metric window. */
  readonly total: number;
  /** `total` divided by the instances serving now: what the target is about. */
  readonly perInstance: number;
  /** Instances needed to bring the per-instance value to the target or below: ceil(total / target). */
  readonly recommended: number;
  /**
   * The highest recommendation of the sustained window, once the policy has been evaluated for
   * that long: a scale-in goes no lower than this. Undefined while the window is not yet covered.
   */
  readonly sustainedRecommended: number | undefined;
}

/**
 * Target tracking: keep `metric per instance` at `target`. Scale-out reacts to the latest
 * evaluation (within one interval); scale-in only to the highest recommendation of the last
 * `sustainedBelowTargetMs`, so a short dip never removes an instance (no flapping).
 */
export class TargetTrackingPolicy {
  private readonly history: Array<{ atMs: number; recommended: number }> = [];
  private firstEvaluationMs: number | undefined;
  private last: TargetTrackingVerdict | undefined;

  constructor(
    readonly name: TargetTrackingPolicyName,
    readonly target: number,
    private readonly sustainedMs: number,
    private readonly measureTotal: (nowMs: number) => number,
  ) {}

  evaluate(nowMs: number, servingInstances: number): TargetTrackingVerdict {
    const total = this.measureTotal(nowMs);
    // The epsilon keeps 20/10 at 2 instead of 3 when floating point gives 2.0000000000000004.
    const recommended = Math.max(0, Math.ceil(total / this.target - 1e-9));
    this.firstEvaluationMs ??= nowMs;
    this.history.push({ atMs: nowMs, recommended });
    while (this.history.length > 0 && this.history[0].atMs < nowMs - this.sustainedMs)
      this.history.shift();
    const covered = nowMs - this.firstEvaluationMs >= this.sustainedMs;
    const sustainedRecommended = covered
      ? Math.max(...this.history.map((entry) => entry.recommended))
      : undefined;
    this.last = {
      policy: this.name,
      total,
      perInstance: total / Math.max(1, servingInstances),
      recommended,
      sustainedRecommended,
    };
    return this.last;
  }

  /** Forget the sustained history (after a manual scale: the window starts again). */
  restartWindow(nowMs: number): void {
    this.history.length = 0;
    this.firstEvaluationMs = nowMs;
  }

  lastVerdict(): TargetTrackingVerdict | undefined {
    return this.last;
  }
}
