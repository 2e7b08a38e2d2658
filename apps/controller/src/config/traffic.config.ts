import { BooleanFlag, DurationMs, IntegerIn, OneOf } from './config-rules';

/** How client traffic is spread over admitted instances. `switch` is the seed's behaviour. */
export const TRAFFIC_MODES = ['switch', 'pool'] as const;
export type TrafficMode = (typeof TRAFFIC_MODES)[number];

/** What clients get while a scale-out is in progress. `reject` is the seed's 503. */
export const DURING_SCALE_OUT_MODES = ['reject', 'serve', 'queue'] as const;
export type DuringScaleOutMode = (typeof DURING_SCALE_OUT_MODES)[number];

/** How pool mode (`traffic.mode: pool`) picks the instance for the next request. */
export const BALANCING_ALGORITHMS = ['least-outstanding', 'round-robin'] as const;
export type BalancingAlgorithm = (typeof BALANCING_ALGORITHMS)[number];

/**
 * How client requests are spread over the admitted instances and held while none can serve:
 * every traffic setting lives here (`scaling.traffic` and `scaling.duringScaleOut` are the old,
 * deprecated names of `mode` and `duringScaleOut`; see deprecated-keys.ts).
 */
export class TrafficConfig {
  /** `switch`: every request goes to the newest admitted instance (seed section 14); `pool`: all of them share. */
  @OneOf(TRAFFIC_MODES)
  mode: TrafficMode = 'switch';

  /** `reject`: 503 + Retry-After while a scale-out runs (seed section 13.8); `serve` keeps serving; `queue` also holds requests while no instance is healthy. */
  @OneOf(DURING_SCALE_OUT_MODES)
  duringScaleOut: DuringScaleOutMode = 'reject';

  /**
   * Pool mode: `least-outstanding` sends each request to the instance with the fewest requests in
   * flight (ties rotate), so a slow or busy instance gets less; `round-robin` takes turns.
   */
  @OneOf(BALANCING_ALGORITHMS)
  balancing: BalancingAlgorithm = 'least-outstanding';

  /**
   * `duringScaleOut: queue`: at most this many requests wait for an instance when none is healthy;
   * the next one is answered 503 at once.
   */
  @IntegerIn(1, 100_000)
  queueMaxRequests = 200;

  /** `duringScaleOut: queue`: a waiting request is answered 503 after this long without an instance. */
  @DurationMs(100, 600_000)
  queueMaxWaitMs = 30_000;

  /**
   * Passive ejection: an instance whose real requests fail at the transport (connection refused,
   * reset, no answer within proxy.upstreamTimeoutMs) leaves rotation at once, without waiting for
   * `health.failuresToEject` failed checks; it returns after `health.passesToAdmit` passing checks.
   */
  @BooleanFlag()
  passiveEjection = true;

  /** Transport failures in a row (any success resets the count) that eject an instance passively. */
  @IntegerIn(1, 1000)
  passiveFailuresToEject = 2;
}
