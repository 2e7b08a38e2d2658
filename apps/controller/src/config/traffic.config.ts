import { BooleanFlag, IntegerIn, OneOf } from './config-rules';

/** How pool mode (`scaling.traffic: pool`) picks the instance for the next request. */
export const BALANCING_ALGORITHMS = ['least-outstanding', 'round-robin'] as const;
export type BalancingAlgorithm = (typeof BALANCING_ALGORITHMS)[number];

/**
 * How client requests are spread over the admitted instances and held while none can serve.
 * `scaling.traffic` (switch | pool) and `scaling.duringScaleOut` (reject | serve | queue) choose
 * the behaviour; this section tunes it.
 */
export class TrafficConfig {
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
  @IntegerIn(100, 600_000, 'milliseconds')
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
