import { PolicyView } from './policies/policy-evaluator';
import {
  backoffWaitMs,
  ScalingSnapshot,
  scaleInCooldownRemainingMs,
  scaleOutCooldownRemainingMs,
} from './scaling-decisions';
import { ScalingEvent } from './scaling-event';

export interface BackoffView {
  readonly consecutiveFailures: number;
  readonly nextAllowedInMs: number;
}

export interface PendingDeleteView {
  readonly id: string;
  readonly name: string;
  readonly context: string;
  readonly attempts: number;
  readonly lastError: string;
  readonly nextAttemptInMs: number;
}

/** /status: the desired count against what exists, the policies, and the last 50 events with timings. */
export interface ScalingStatusView {
  readonly autoscaling: 'active' | 'paused';
  /** False until the group's existing instances were listed after start-up (nothing is created before). */
  readonly recovered: boolean;
  readonly desiredInstances: number | null;
  /** Instances that exist or are being made, not those on their way out (the original included). */
  readonly actualInstances: number;
  readonly servingInstances: number;
  readonly minInstances: number;
  readonly maxInstances: number;
  readonly policies: PolicyView[];
  readonly cooldowns: { readonly scaleOutRemainingMs: number; readonly scaleInRemainingMs: number };
  readonly backoff: { readonly scaleOut: BackoffView; readonly replacement: BackoffView };
  readonly replacementsOwed: number;
  readonly inProgress: ScalingEvent[];
  readonly pendingDeletes: PendingDeleteView[];
  /** Finished events, oldest first, at most 50. */
  readonly events: readonly ScalingEvent[];
}

/** What /status shows besides the decision snapshot. */
export interface ScalingStatusExtras {
  readonly servingInstances: number;
  readonly policies: PolicyView[];
  readonly inProgress: ScalingEvent[];
  readonly pendingDeletes: PendingDeleteView[];
  readonly events: readonly ScalingEvent[];
}

export function backoffView(state: ScalingSnapshot['scaleOutBackoff'], nowMs: number): BackoffView {
  return {
    consecutiveFailures: state.failuresInARow,
    nextAllowedInMs: backoffWaitMs(state, nowMs),
  };
}

/** The /status projection of the same snapshot the decisions read. */
export function projectScalingStatus(
  snapshot: ScalingSnapshot,
  extras: ScalingStatusExtras,
  nowMs: number,
): ScalingStatusView {
  return {
    autoscaling: snapshot.paused ? 'paused' : 'active',
    recovered: snapshot.desired !== undefined,
    desiredInstances: snapshot.desired ?? null,
    actualInstances: snapshot.actual,
    servingInstances: extras.servingInstances,
    minInstances: snapshot.minInstances,
    maxInstances: snapshot.maxInstances,
    policies: extras.policies,
    cooldowns: {
      scaleOutRemainingMs: scaleOutCooldownRemainingMs(snapshot, nowMs),
      scaleInRemainingMs: scaleInCooldownRemainingMs(snapshot, nowMs),
    },
    backoff: {
      scaleOut: backoffView(snapshot.scaleOutBackoff, nowMs),
      replacement: backoffView(snapshot.replacementBackoff, nowMs),
    },
    replacementsOwed: snapshot.replacementsOwed,
    inProgress: extras.inProgress,
    pendingDeletes: extras.pendingDeletes,
    events: extras.events,
  };
}
