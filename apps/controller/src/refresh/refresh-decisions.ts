import { RefreshConfig } from '../config/refresh.config';

/**
 * Every "why" of an instance refresh, as pure functions of a snapshot and the time (the refresh
 * service only carries them out), so their specs run on numbers without a timer or a server.
 */

/** Requests one side (the canary, or the old instances together) answered within the window. */
export interface TrafficSample {
  readonly requests: number;
  /** 5xx answers and transport failures (refused, reset, timed out); client aborts are not counted at all. */
  readonly errors: number;
  /** undefined without requests. */
  readonly p99Ms: number | undefined;
}

export interface CanarySnapshot {
  /** Monotonic ms when the canary was admitted (its window starts there). */
  readonly windowStartedMs: number;
  readonly canary: TrafficSample;
  /** The old instances over the same window. */
  readonly baseline: TrafficSample;
  /** Set when the canary's health checks failed (ejected) or its server died. */
  readonly healthFailure?: string;
}

export type CanaryVerdict =
  | { readonly verdict: 'wait'; readonly remainingMs: number }
  | { readonly verdict: 'pass'; readonly why: string }
  | { readonly verdict: 'fail'; readonly reason: string };

type CanaryMargins = Pick<
  RefreshConfig,
  | 'canaryWindowMs'
  | 'minCanaryRequests'
  | 'maxErrorRateIncrease'
  | 'maxP99IncreasePercent'
  | 'p99SlackMs'
>;

/**
 * The canary's verdict. A fixed-margin comparison rather than a Welch test: with a canary share
 * of 10% the canary sees a few dozen requests per window, too few for a t-test on error rates
 * (a 0/1 variable) to say anything stable, while an operator can read and set a margin.
 *   - unhealthy (ejected by health checks, server gone): fail at once;
 *   - error rate above the old instances' + maxErrorRateIncrease: fail, at once once the canary
 *     has minCanaryRequests requests (so a bad image stops hurting clients early);
 *   - at the end of the window, p99 above old p99 * (1 + maxP99IncreasePercent/100) + p99SlackMs: fail;
 *   - fewer than minCanaryRequests canary requests by the end: judged on health alone (said so).
 */
export function judgeCanary(
  snapshot: CanarySnapshot,
  nowMs: number,
  margins: CanaryMargins,
): CanaryVerdict {
  if (snapshot.healthFailure)
    return { verdict: 'fail', reason: `canary unhealthy: ${snapshot.healthFailure}` };
  const { canary, baseline } = snapshot;
  const enough = canary.requests >= margins.minCanaryRequests;
  if (enough) {
    const canaryRate = canary.errors / canary.requests;
    const baselineRate = baseline.requests > 0 ? baseline.errors / baseline.requests : 0;
    if (canaryRate - baselineRate > margins.maxErrorRateIncrease) {
      return {
        verdict: 'fail',
        reason:
          `canary error rate ${percent(canaryRate)} (${canary.errors}/${canary.requests}) exceeds the old instances' ` +
          `${percent(baselineRate)} (${baseline.errors}/${baseline.requests}) by more than ${percent(margins.maxErrorRateIncrease)} (refresh.maxErrorRateIncrease)`,
      };
    }
  }
  const elapsedMs = nowMs - snapshot.windowStartedMs;
  if (elapsedMs < margins.canaryWindowMs)
    return { verdict: 'wait', remainingMs: margins.canaryWindowMs - elapsedMs };
  if (!enough) {
    return {
      verdict: 'pass',
      why: `healthy for ${seconds(margins.canaryWindowMs)}; judged on health checks alone: ${canary.requests} request(s) < refresh.minCanaryRequests ${margins.minCanaryRequests}`,
    };
  }
  if (canary.p99Ms !== undefined && baseline.p99Ms !== undefined) {
    const limitMs = baseline.p99Ms * (1 + margins.maxP99IncreasePercent / 100) + margins.p99SlackMs;
    if (canary.p99Ms > limitMs) {
      return {
        verdict: 'fail',
        reason: `canary p99 ${Math.round(canary.p99Ms)} ms exceeds the old instances' ${Math.round(baseline.p99Ms)} ms + ${margins.maxP99IncreasePercent}% + ${margins.p99SlackMs} ms = ${Math.round(limitMs)} ms (refresh.maxP99IncreasePercent, refresh.p99SlackMs)`,
      };
    }
  }
  const errorRate = percent(canary.errors / canary.requests);
  const latency =
    canary.p99Ms !== undefined
      ? `, p99 ${Math.round(canary.p99Ms)} ms vs ${baseline.p99Ms === undefined ? 'no old requests' : `${Math.round(baseline.p99Ms)} ms`}`
      : '';
  return {
    verdict: 'pass',
    why: `${canary.requests} request(s) in ${seconds(elapsedMs)}: error rate ${errorRate}${latency}, within the margins`,
  };
}

/** The 99th percentile (nearest rank) of `durationsMs`; undefined for none. */
export function p99(durationsMs: readonly number[]): number | undefined {
  if (durationsMs.length === 0) return undefined;
  const sorted = [...durationsMs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(0.99 * sorted.length) - 1)];
}

/** What the fleet looks like between two batches. */
export interface FleetSnapshot {
  /** Admitted clones not on the target image: what is left to replace. */
  readonly oldRemaining: number;
  /** Admitted and healthy instances now (any image, the original included). */
  readonly healthy: number;
  /** The desired count before the refresh added anything. */
  readonly desired: number;
  /** Instances that exist or are being made, against scaling.maxInstances. */
  readonly actual: number;
  readonly maxInstances: number;
}

export type BatchPlan =
  /** Launch `count` new instances first (room under maxInstances), then drain as many old ones. */
  | { readonly kind: 'surge'; readonly count: number }
  /** At maxInstances: drain `count` old ones first (minHealthyPercent still holds), then launch as many. */
  | { readonly kind: 'drain-first'; readonly count: number }
  | { readonly kind: 'done' }
  | { readonly kind: 'blocked'; readonly why: string };

/** The next batch: `batchSize` (1 for the canary), capped by what is left, maxInstances and minHealthyPercent. */
export function planBatch(
  fleet: FleetSnapshot,
  batchSize: number,
  minHealthyPercent: number,
): BatchPlan {
  if (fleet.oldRemaining <= 0) return { kind: 'done' };
  const wanted = Math.min(batchSize, fleet.oldRemaining);
  const room = fleet.maxInstances - fleet.actual;
  if (room > 0) return { kind: 'surge', count: Math.min(wanted, room) };
  const mustStayHealthy = Math.ceil((fleet.desired * minHealthyPercent) / 100);
  const spare = fleet.healthy - mustStayHealthy;
  if (spare > 0) return { kind: 'drain-first', count: Math.min(wanted, spare) };
  return {
    kind: 'blocked',
    why:
      `no room: ${fleet.actual} of scaling.maxInstances ${fleet.maxInstances} instances exist, and draining one first would leave ` +
      `${fleet.healthy - 1} healthy, below refresh.minHealthyPercent ${minHealthyPercent}% of ${fleet.desired} (${mustStayHealthy}); raise maxInstances or lower minHealthyPercent`,
  };
}

/**
 * The checkpoint in the cloud (server metadata, the source of truth across restarts). Every
 * instance a refresh creates carries `osa:refresh = <id>;<step>;<from>;<to>;<desired>`; `step` is `canary`,
 * `canary-passed` (set on the canary once it passed) or `batch`; `desired` is the desired count
 * before the refresh (a restart adopts a batch's surge instance: the count goes back to it). A controller that restarts reads
 * them from the group's servers (`resumePoint`). A rejected image is remembered on the surviving
 * clones as `osa:refresh-rejected = <image id>`.
 */
export const REFRESH_METADATA_KEY = 'osa:refresh';
export const REFRESH_REJECTED_METADATA_KEY = 'osa:refresh-rejected';
/** The image an instance was created from, on every instance the controller creates. */
export const IMAGE_METADATA_KEY = 'osa:image';

export type CheckpointStep = 'canary' | 'canary-passed' | 'batch';

export interface RefreshCheckpoint {
  readonly refreshId: string;
  readonly step: CheckpointStep;
  /** The image the old instances run ('' when unknown: the local built bundle). */
  readonly fromImageId: string;
  readonly toImageId: string;
  /** The desired count when the refresh started (without its surge). */
  readonly desired: number;
}

const STEPS: readonly CheckpointStep[] = ['canary', 'canary-passed', 'batch'];

export function formatCheckpoint(checkpoint: RefreshCheckpoint): string {
  return [
    checkpoint.refreshId,
    checkpoint.step,
    checkpoint.fromImageId,
    checkpoint.toImageId,
    String(checkpoint.desired),
  ].join(';');
}

/** undefined for anything that is not a checkpoint we wrote (a hand-edited value is ignored, not trusted). */
export function parseCheckpoint(value: string | undefined): RefreshCheckpoint | undefined {
  if (value === undefined) return undefined;
  const parts = value.split(';');
  if (parts.length !== 5) return undefined;
  const [refreshId, step, fromImageId, toImageId, desired] = parts;
  if (
    !/^[0-9a-f]{8}$/.test(refreshId) ||
    !STEPS.includes(step as CheckpointStep) ||
    toImageId === '' ||
    !/^[1-9][0-9]{0,3}$/.test(desired)
  )
    return undefined;
  return {
    refreshId,
    step: step as CheckpointStep,
    fromImageId,
    toImageId,
    desired: Number(desired),
  };
}

export interface GroupServer {
  readonly id: string;
  readonly metadata: Readonly<Record<string, string>>;
}

export type ResumePoint =
  | { readonly kind: 'none'; readonly rejectedImageIds: readonly string[] }
  /** A canary exists but had not passed: judge it again from a fresh window (conservative). */
  | {
      readonly kind: 'canary';
      readonly checkpoint: RefreshCheckpoint;
      readonly canaryId: string;
      readonly rejectedImageIds: readonly string[];
    }
  /** The canary passed (or batches ran): roll the remaining old instances. */
  | {
      readonly kind: 'rolling';
      readonly checkpoint: RefreshCheckpoint;
      readonly rejectedImageIds: readonly string[];
    };

/** Where a restarted controller picks a refresh up, from the group's servers alone. */
export function resumePoint(servers: readonly GroupServer[]): ResumePoint {
  const rejectedImageIds = [
    ...new Set(
      servers
        .map((server) => server.metadata[REFRESH_REJECTED_METADATA_KEY])
        .filter((id): id is string => !!id),
    ),
  ];
  const marked = servers
    .map((server) => ({
      server,
      checkpoint: parseCheckpoint(server.metadata[REFRESH_METADATA_KEY]),
    }))
    .filter(
      (entry): entry is { server: GroupServer; checkpoint: RefreshCheckpoint } =>
        entry.checkpoint !== undefined,
    )
    .filter((entry) => !rejectedImageIds.includes(entry.checkpoint.toImageId));
  if (marked.length === 0) return { kind: 'none', rejectedImageIds };
  // A finished refresh's instances stay marked: the newest refresh wins (ids are time-ordered hex, see newRefreshId).
  const latest = marked
    .map((entry) => entry.checkpoint.refreshId)
    .sort()
    .at(-1) as string;
  const ofLatest = marked.filter((entry) => entry.checkpoint.refreshId === latest);
  const passed = ofLatest.find((entry) => entry.checkpoint.step !== 'canary');
  if (passed) return { kind: 'rolling', checkpoint: passed.checkpoint, rejectedImageIds };
  return {
    kind: 'canary',
    checkpoint: ofLatest[0].checkpoint,
    canaryId: ofLatest[0].server.id,
    rejectedImageIds,
  };
}

/** Eight hex digits of the wall-clock second: ids sort in start order (until 2106), so the newest refresh's marks win. */
export function newRefreshId(now: Date): string {
  return Math.floor(now.getTime() / 1000)
    .toString(16)
    .padStart(8, '0');
}

function percent(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}
