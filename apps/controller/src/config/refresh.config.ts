import { Allowed, BooleanFlag, DurationMs, IntegerIn } from './config-rules';

const isFraction = (value: unknown): boolean =>
  typeof value === 'number' && Number.isFinite(value) && value > 0 && value < 1;
const isRatio = (value: unknown): boolean =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= 1;

/**
 * Instance refresh: rolling the group onto a newer golden image (README "Instance refresh").
 * One canary first, judged against the old instances over the same window by fixed margins
 * (refresh/refresh-decisions.ts `judgeCanary`), then batches, each admitted before the next.
 */
export class RefreshConfig {
  /** Start a refresh by itself when the golden image name resolves to a newer image (a bake); `osa refresh start` works either way. */
  @BooleanFlag()
  autoStart = true;

  /** How often the golden image name is resolved to look for a bake. */
  @DurationMs(1_000, 86_400_000)
  imageCheckIntervalMs = 30_000;

  /** Instances replaced at once after the canary passed. */
  @IntegerIn(1, 100)
  batchSize = 1;

  /**
   * Share of the desired count that must stay admitted and healthy during the refresh. New
   * instances are added before old ones are drained when maxInstances leaves room; at
   * maxInstances an old one is drained first only if this still holds afterwards.
   */
  @IntegerIn(0, 100, 'percent')
  minHealthyPercent = 100;

  /** Share of requests the canary gets while it is judged (pool mode and switch mode alike), from 0 to 1 exclusive. */
  @Allowed('a fraction between 0 and 1, both exclusive (0.1 = one request in ten)', isFraction)
  canaryWeight = 0.1;

  /** How long the canary serves its share before it is judged. */
  @DurationMs(1_000, 3_600_000)
  canaryWindowMs = 60_000;

  /** Below this many canary requests in the window, the verdict rests on its health checks alone (said in the log). */
  @IntegerIn(1, 1_000_000)
  minCanaryRequests = 20;

  /** Fail when the canary's error rate (5xx or transport failure) exceeds the old instances' by more than this (0.01 = one point). */
  @Allowed('a fraction from 0 to 1 (0.01 = one percentage point)', isRatio)
  maxErrorRateIncrease = 0.01;

  /** Fail when the canary's p99 latency exceeds the old instances' by more than this percent ... */
  @IntegerIn(0, 10_000, 'percent')
  maxP99IncreasePercent = 50;

  /** ... plus this many milliseconds (so a few ms of jitter on a fast service never fails a canary). */
  @IntegerIn(0, 600_000, 'ms')
  p99SlackMs = 25;
}
