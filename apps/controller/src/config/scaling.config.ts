import { BooleanFlag, IntegerIn, NotLessThan, OneOf } from './config-rules';

/** How client traffic is spread over admitted instances. `switch` is the seed's behaviour. */
export const TRAFFIC_MODES = ['switch', 'pool'] as const;
export type TrafficMode = (typeof TRAFFIC_MODES)[number];

/** What clients get while a scale-out is in progress. `reject` is the seed's 503. */
export const DURING_SCALE_OUT_MODES = ['reject', 'serve', 'queue'] as const;
export type DuringScaleOutMode = (typeof DURING_SCALE_OUT_MODES)[number];

/** When to add an instance and how one scale-out runs (seed sections 13-14). */
export class ScalingConfig {
  /** A scale-out starts at the N-th request counted since the last scale event. */
  @IntegerIn(1, 1_000_000_000)
  thresholdRequests = 10;

  /** Never more instances than this, the original included (seed: the original + one clone). */
  @IntegerIn(1, 1000)
  maxInstances = 2;

  /** `switch`: every request goes to the newest admitted instance (seed section 14); `pool`: all of them share (see TrafficConfig). */
  @OneOf(TRAFFIC_MODES)
  traffic: TrafficMode = 'switch';

  /** `reject`: 503 + Retry-After while a scale-out runs (seed section 13.8); `serve` keeps serving; `queue` also holds requests while no instance is healthy. */
  @OneOf(DURING_SCALE_OUT_MODES)
  duringScaleOut: DuringScaleOutMode = 'reject';

  /** `Retry-After` sent with a 503 while scaling. */
  @IntegerIn(0, 3600, 'seconds')
  retryAfterSeconds = 5;

  /** After a switch, the previous instance stays running and registered (seed: it is not deleted). */
  @BooleanFlag()
  keepPreviousInstance = true;

  /** `booting`: the new instance must leave BUILD within this time. */
  @IntegerIn(1_000, 86_400_000, 'milliseconds')
  bootTimeoutMs = 300_000;

  /** Status poll interval while booting/addressing: a quarter of the time waited so far, within these bounds. */
  @IntegerIn(50, 600_000, 'milliseconds')
  statusPollInitialMs = 500;

  @IntegerIn(50, 600_000, 'milliseconds')
  @NotLessThan('statusPollInitialMs')
  statusPollMaxMs = 5_000;

  /** `addressing`: an ACTIVE instance must show an address on the configured network within this. */
  @IntegerIn(100, 3_600_000, 'milliseconds')
  addressTimeoutMs = 60_000;

  /** A failed scale-out waits this long before another may start; doubles per failure in a row. */
  @IntegerIn(0, 86_400_000, 'milliseconds')
  failureBackoffInitialMs = 10_000;

  @IntegerIn(0, 86_400_000, 'milliseconds')
  @NotLessThan('failureBackoffInitialMs')
  failureBackoffMaxMs = 300_000;

  /** Each provider call (create, status, delete) gives up after this. */
  @IntegerIn(100, 600_000, 'milliseconds')
  providerCallTimeoutMs = 30_000;

  /** How often a long wait prints a progress line. */
  @IntegerIn(1_000, 3_600_000, 'milliseconds')
  progressLogIntervalMs = 10_000;
}
