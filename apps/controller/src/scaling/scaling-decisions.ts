import { LaunchKind } from './scaling-event';

/**
 * Why the controller scales, in one file: pure functions over a snapshot of the scaling state and
 * the time, returning what to do now and why, as data. Nothing here logs, starts, or waits; the
 * reconciler (scaling.service.ts) carries the decisions out, and /status shows the same snapshot.
 *
 *   request-count threshold --decideOnThreshold--\
 *   target-tracking policies --decideOnPolicies---+--> desired count --planReconcile--> launch / remove / hold
 *   manual action, restart recovery, healing -----/
 */

/** A reason the controller wanted to act but may not now; each is logged once until it is resolved. */
export type HoldCondition =
  | 'paused'
  | 'recovering'
  | 'stopping'
  | 'at-capacity'
  | 'backing-off'
  | 'cooldown'
  | 'api-degraded'
  | 'scale-out-backoff'
  | 'replacement-backoff'
  | 'no-victim'
  | 'capacity-blocked';

/** When a held condition stops holding, so it is said again next time (OnceLog). */
export const HOLD_RESET_POINTS = {
  /** The desired count went below the maximum. */
  belowCapacity: ['at-capacity'],
  /** Autoscaling resumed. */
  resumed: ['paused'],
  /** The target-tracking policies no longer want a scale-out. */
  noScaleOutWanted: ['cooldown'],
  /** The cloud API answers again and launches may start. */
  cloudApiAnswers: ['api-degraded'],
  /** A quota or placement block ended (providers/placement/placement-state.ts). */
  capacityFreed: ['capacity-blocked'],
  /** A launch finished (admitted or failed): back-offs and cooldowns start anew. */
  launchFinished: ['backing-off', 'cooldown', 'scale-out-backoff', 'replacement-backoff'],
} as const satisfies Record<string, readonly HoldCondition[]>;

/** A back-off's state: failures in a row, and the monotonic ms before which no attempt may start. */
export interface BackoffState {
  readonly failuresInARow: number;
  readonly notBeforeMs: number;
}

/** Everything a decision looks at. Times are monotonic ms (the Clock's nowMs). */
export interface ScalingSnapshot {
  /** Undefined until restart recovery has listed the group (nothing is created before). */
  readonly desired: number | undefined;
  readonly paused: boolean;
  /** The first shutdown signal came: nothing new may start (issue 12 §3). */
  readonly stopping: boolean;
  readonly minInstances: number;
  readonly maxInstances: number;
  readonly scaleOutStep: number;
  readonly scaleInStep: number;
  /** Instances that exist or are being made, not those on their way out. */
  readonly actual: number;
  readonly launchesRunning: number;
  readonly removalsRunning: number;
  /** Instances taken out by self-healing whose replacement has not started yet. */
  readonly replacementsOwed: number;
  readonly cloudApiDegraded: boolean;
  readonly scaleOutBackoff: BackoffState;
  readonly replacementBackoff: BackoffState;
  /** When the last scale-out was admitted / the last scale event (of any kind) ended. */
  readonly lastScaleOutEndedMs: number;
  readonly lastScaleEventEndedMs: number;
  readonly scaleOutCooldownMs: number;
  readonly scaleInCooldownMs: number;
  /** Why no instance can be placed until capacity changes (a quota, NoValidHost for a hard group); absent when none. */
  readonly capacityBlock?: string;
}

/** What to do about the desired count. */
export type ScalingDecision =
  | { readonly kind: 'none'; readonly resolved?: readonly HoldCondition[] }
  | {
      readonly kind: 'hold';
      readonly condition: HoldCondition;
      readonly why: string;
      readonly resolved?: readonly HoldCondition[];
    }
  | {
      readonly kind: 'set-desired';
      readonly to: number;
      readonly reason: string;
      readonly resolved?: readonly HoldCondition[];
    };

/** What brings the instances to the desired count now. */
export type ReconcilePlan =
  | { readonly kind: 'idle' }
  | { readonly kind: 'hold'; readonly condition: HoldCondition; readonly why: string }
  /** Start these launches (maybe none); then, if set, the rest waits for `then` (a back-off). */
  | {
      readonly kind: 'launch';
      readonly launches: readonly Exclude<LaunchKind, 'adoption'>[];
      readonly then?: { readonly condition: HoldCondition; readonly why: string };
      readonly resolved: readonly HoldCondition[];
    }
  /** Remove this many instances (scale-in): only once nothing is being added. */
  | { readonly kind: 'shrink'; readonly count: number }
  | { readonly kind: 'wait-for-launches' };

export function backoffWaitMs(state: BackoffState, nowMs: number): number {
  return Math.max(0, Math.round(state.notBeforeMs - nowMs));
}

export function scaleOutCooldownRemainingMs(snapshot: ScalingSnapshot, nowMs: number): number {
  return Math.max(
    0,
    Math.round(snapshot.lastScaleOutEndedMs + snapshot.scaleOutCooldownMs - nowMs),
  );
}

export function scaleInCooldownRemainingMs(snapshot: ScalingSnapshot, nowMs: number): number {
  return Math.max(
    0,
    Math.round(snapshot.lastScaleEventEndedMs + snapshot.scaleInCooldownMs - nowMs),
  );
}

/**
 * The seed's trigger: the request that reaches `threshold` since the last scale event. Scales out
 * by one step unless something forbids it now (said once each, in this order).
 */
export function decideOnThreshold(
  snapshot: ScalingSnapshot,
  request: { readonly counted: number; readonly threshold: number },
  nowMs: number,
): ScalingDecision {
  const { threshold } = request;
  if (snapshot.stopping)
    return hold(
      'stopping',
      `threshold of ${threshold} requests reached, but the controller is shutting down: no scale-out`,
    );
  if (snapshot.paused)
    return hold(
      'paused',
      `threshold of ${threshold} requests reached, but autoscaling is paused: no scale-out`,
    );
  if (snapshot.desired === undefined)
    return hold(
      'recovering',
      'threshold reached, but the group is still being listed after start-up: no scale-out yet',
    );
  if (snapshot.desired >= snapshot.maxInstances) {
    return hold(
      'at-capacity',
      `threshold of ${threshold} requests reached, but already at scaling.maxInstances=${snapshot.maxInstances}: no scale-out`,
    );
  }
  if (snapshot.capacityBlock)
    return hold(
      'capacity-blocked',
      `threshold reached, but no instance can be placed: ${snapshot.capacityBlock}`,
    );
  const waitMs = backoffWaitMs(snapshot.scaleOutBackoff, nowMs);
  if (waitMs > 0) {
    return hold(
      'backing-off',
      `threshold reached, but backing off for another ${s(waitMs)} after ${snapshot.scaleOutBackoff.failuresInARow} failed scale-out(s)`,
    );
  }
  const cooldownMs = scaleOutCooldownRemainingMs(snapshot, nowMs);
  if (cooldownMs > 0)
    return hold(
      'cooldown',
      `threshold reached, but in the scale-out cooldown for another ${s(cooldownMs)} (scaling.scaleOutCooldownMs)`,
    );
  return {
    kind: 'set-desired',
    to: snapshot.desired + snapshot.scaleOutStep,
    reason: `request ${request.counted} since the last scale event reached scaling.thresholdRequests=${threshold}`,
  };
}

/** What the target-tracking policies recommend (policy-evaluator.ts) and their explanation. */
export interface PolicyRecommendationSummary {
  readonly scaleOutTo: number | undefined;
  readonly scaleInTo: number | undefined;
  /** The verdicts in words, for the log line. */
  readonly why: string;
  readonly sustainedBelowTargetMs: number;
}

/** Target tracking: scale out when any policy wants more (a step at a time), in when all agree for the sustained window. */
export function decideOnPolicies(
  snapshot: ScalingSnapshot,
  recommendation: PolicyRecommendationSummary,
  nowMs: number,
): ScalingDecision {
  const { desired } = snapshot;
  if (desired === undefined || snapshot.paused || snapshot.stopping) return { kind: 'none' };
  const { scaleOutTo, scaleInTo, why } = recommendation;
  if (scaleOutTo !== undefined && scaleOutTo > desired) {
    if (desired >= snapshot.maxInstances)
      return hold(
        'at-capacity',
        `policies want ${scaleOutTo} instances, but already at scaling.maxInstances=${snapshot.maxInstances}: ${why}`,
      );
    const cooldownMs = scaleOutCooldownRemainingMs(snapshot, nowMs);
    if (cooldownMs > 0)
      return hold(
        'cooldown',
        `policies want ${scaleOutTo} instances; scale-out cooldown for another ${s(cooldownMs)}`,
      );
    if (backoffWaitMs(snapshot.scaleOutBackoff, nowMs) > 0) return { kind: 'none' };
    if (snapshot.capacityBlock)
      return hold(
        'capacity-blocked',
        `policies want ${scaleOutTo} instances, but no instance can be placed: ${snapshot.capacityBlock}`,
      );
    return {
      kind: 'set-desired',
      to: desired + Math.min(snapshot.scaleOutStep, scaleOutTo - desired),
      reason: why,
    };
  }
  const resolved = HOLD_RESET_POINTS.noScaleOutWanted;
  const floor = Math.max(scaleInTo ?? desired, snapshot.minInstances);
  if (scaleInTo === undefined || floor >= desired) return { kind: 'none', resolved };
  if (
    snapshot.launchesRunning > 0 ||
    snapshot.removalsRunning > 0 ||
    scaleInCooldownRemainingMs(snapshot, nowMs) > 0
  )
    return { kind: 'none', resolved };
  const sustainedS = (recommendation.sustainedBelowTargetMs / 1000).toFixed(0);
  return {
    kind: 'set-desired',
    to: desired - Math.min(snapshot.scaleInStep, desired - floor),
    reason: `for ${sustainedS}s the load fit on ${floor} instance(s) at or below target: ${why}`,
    resolved,
  };
}

/**
 * What brings what exists to the desired count: launches (replacements owed first, each kind
 * behind its own back-off) when short, a scale-in when above (once nothing is being added).
 */
export function planReconcile(snapshot: ScalingSnapshot, nowMs: number): ReconcilePlan {
  const { desired, actual } = snapshot;
  if (desired === undefined || snapshot.stopping) return { kind: 'idle' };
  if (actual < desired) {
    const missing = desired - actual;
    if (snapshot.cloudApiDegraded) {
      return {
        kind: 'hold',
        condition: 'api-degraded',
        why: `${missing} instance(s) short of the desired ${desired}, but the cloud API is degraded: waiting until it answers`,
      };
    }
    if (snapshot.capacityBlock) {
      return {
        kind: 'hold',
        condition: 'capacity-blocked',
        why: `${missing} instance(s) short of the desired ${desired}, waiting until capacity changes: ${snapshot.capacityBlock}`,
      };
    }
    const launches: Array<'scale-out' | 'replacement'> = [];
    let owed = snapshot.replacementsOwed;
    for (let n = 0; n < missing; n++) {
      const kind = owed > 0 ? 'replacement' : 'scale-out';
      const backoff =
        kind === 'replacement' ? snapshot.replacementBackoff : snapshot.scaleOutBackoff;
      const waitMs = backoffWaitMs(backoff, nowMs);
      if (waitMs > 0) {
        const then = {
          condition: `${kind}-backoff` as const,
          why: `${kind} waits another ${s(waitMs)} after ${backoff.failuresInARow} failure(s) in a row`,
        };
        return { kind: 'launch', launches, then, resolved: HOLD_RESET_POINTS.cloudApiAnswers };
      }
      if (kind === 'replacement') owed--;
      launches.push(kind);
    }
    return { kind: 'launch', launches, resolved: HOLD_RESET_POINTS.cloudApiAnswers };
  }
  if (actual > desired)
    return snapshot.launchesRunning > 0
      ? { kind: 'wait-for-launches' }
      : { kind: 'shrink', count: actual - desired };
  return { kind: 'idle' };
}

/** Clamps a wanted desired count to the configured range. */
export function clampDesired(
  snapshot: Pick<ScalingSnapshot, 'minInstances' | 'maxInstances'>,
  count: number,
): number {
  return Math.min(Math.max(count, snapshot.minInstances), snapshot.maxInstances);
}

function hold(condition: HoldCondition, why: string): ScalingDecision {
  return { kind: 'hold', condition, why };
}

function s(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}
