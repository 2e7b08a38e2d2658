import { Allowed, BooleanFlag, DurationMs, IntegerIn, NotLessThan, Section } from './config-rules';
import { FastAdmissionConfig } from './fast-admission.config';
import { HealingConfig } from './healing.config';
import { ScaleInConfig } from './scale-in.config';
import { ScheduleEntries, ScheduleEntryConfig } from './schedule.config';
import { WarmPoolConfig } from './warm-pool.config';

/**
 * What drives the desired instance count: `request-count` (the seed: +scaleOutStep at every N-th
 * request), and target tracking on `requests-per-second` or `in-flight` requests per instance.
 * Several may be active: scale-out when any wants more, scale-in only when all agree.
 */
export const SCALING_POLICIES = ['request-count', 'requests-per-second', 'in-flight'] as const;
export type ScalingPolicyName = (typeof SCALING_POLICIES)[number];

/** When to add an instance and how one scale-out runs (seed sections 13-14). */
export class ScalingConfig {
  /** A scale-out starts at the N-th request counted since the last scale event. */
  @IntegerIn(1, 1_000_000_000)
  thresholdRequests = 10;

  /** Never more instances than this, the original included (seed: the original + one clone). */
  @IntegerIn(1, 1000)
  @NotLessThan('minInstances')
  maxInstances = 2;

  /** Never fewer instances than this, the original included: scale-in stops here, healing restores it. */
  @IntegerIn(1, 1000)
  minInstances = 1;

  /** The active policies (any of request-count, requests-per-second, in-flight); empty = manual scaling only. */
  @Allowed(
    `a list of distinct policy names from: ${SCALING_POLICIES.join(', ')}`,
    (value) =>
      Array.isArray(value) &&
      value.every((item) => SCALING_POLICIES.includes(item)) &&
      new Set(value).size === value.length,
  )
  policies: ScalingPolicyName[] = ['request-count'];

  /** `requests-per-second` target: requests per second per admitted instance, averaged over metricWindowMs. */
  @PositiveNumber()
  targetRequestsPerSecond = 10;

  /** `in-flight` target: requests in flight per admitted instance, averaged over metricWindowMs. */
  @PositiveNumber()
  targetInFlight = 4;

  /** Sliding window the target-tracking metrics are averaged over. */
  @DurationMs(100, 3_600_000)
  metricWindowMs = 10_000;

  /** Target-tracking policies are evaluated this often (reaction time). */
  @DurationMs(50, 600_000)
  evaluationIntervalMs = 1_000;

  /** Instances one scale-out adds: exactly this many for request-count, what the target needs up to this many for target tracking. */
  @IntegerIn(1, 1000)
  scaleOutStep = 1;

  /** After a scale-out ends, no policy-driven scale-out for this long (manual actions and healing are not held). */
  @DurationMs(0, 86_400_000)
  scaleOutCooldownMs = 0;

  /** After any scale-out or scale-in ends, no policy-driven scale-in for this long. */
  @DurationMs(0, 86_400_000)
  scaleInCooldownMs = 30_000;

  /** How instances are chosen and drained when the desired count goes down. */
  @Section(() => ScaleInConfig)
  scaleIn = new ScaleInConfig();

  /** Replacing dead or failing instances. */
  @Section(() => HealingConfig)
  healing = new HealingConfig();

  /** Scheduled capacity: cron entries setting minInstances / maxInstances / desired (config/schedule.config.ts). */
  @ScheduleEntries()
  schedule: ScheduleEntryConfig[] = [];
  /** Stopped servers ready to be started by a scale-out (config/warm-pool.config.ts). */
  @Section(() => WarmPoolConfig)
  warmPool = new WarmPoolConfig();

  /** How closely a new server is watched until admission (config/fast-admission.config.ts). */
  @Section(() => FastAdmissionConfig)
  fastAdmission = new FastAdmissionConfig();

  /** `Retry-After` sent with a 503 while scaling. */
  @IntegerIn(0, 3600, 'seconds')
  retryAfterSeconds = 5;

  /** After a switch, the previous instance stays running and registered (seed: it is not deleted). */
  @BooleanFlag()
  keepPreviousInstance = true;

  /** `booting`: the new instance must leave BUILD within this time. */
  @DurationMs(1_000, 86_400_000)
  bootTimeoutMs = 300_000;

  /** Status poll interval while booting/addressing: a quarter of the time waited so far, within these bounds. */
  @DurationMs(50, 600_000)
  statusPollInitialMs = 500;

  @DurationMs(50, 600_000)
  @NotLessThan('statusPollInitialMs')
  statusPollMaxMs = 5_000;

  /** `addressing`: an ACTIVE instance must show an address on the configured network within this. */
  @DurationMs(100, 3_600_000)
  addressTimeoutMs = 60_000;

  /** A failed scale-out waits this long before another may start; doubles per failure in a row. */
  @DurationMs(0, 86_400_000)
  failureBackoffInitialMs = 10_000;

  @DurationMs(0, 86_400_000)
  @NotLessThan('failureBackoffInitialMs')
  failureBackoffMaxMs = 300_000;

  /** Each provider call (create, status, delete) gives up after this. */
  @DurationMs(100, 600_000)
  providerCallTimeoutMs = 30_000;

  /** How often a long wait prints a progress line. */
  @DurationMs(1_000, 3_600_000)
  progressLogIntervalMs = 10_000;
}

/** A finite number greater than 0 (targets may be fractional: 0.5 requests per second per instance). */
function PositiveNumber(): PropertyDecorator {
  return Allowed(
    'a number greater than 0 and at most 1000000',
    (value) =>
      typeof value === 'number' && Number.isFinite(value) && value > 0 && value <= 1_000_000,
  );
}
