import { BooleanFlag, DurationMs, IntegerIn, NotLessThan } from './config-rules';

/**
 * `scaling.warmPool`: servers created from the current golden image, health-checked once and then
 * stopped (or shelved), owned by the group's metadata (`osa:state=warm`) and never in traffic. A
 * scale-out starts one instead of creating a server; the pool refills in the background.
 */
export class WarmPoolConfig {
  /** Warm servers to keep (0: no warm pool). Each counts against the project's instance quota. */
  @IntegerIn(0, 100)
  size = 0;

  /** Shelve instead of stop: frees the hypervisor (no RAM/CPU held; the disk becomes an image) but unshelving takes longer. */
  @BooleanFlag()
  shelve = false;

  /** How often the pool is checked: refills, and warm servers whose image is no longer the golden image. */
  @DurationMs(100, 3_600_000)
  checkIntervalMs = 10_000;

  /** A refill that failed (or that the quota refused) waits this long before the next; doubles per failure in a row ... */
  @DurationMs(100, 86_400_000)
  refillBackoffInitialMs = 10_000;

  /** ... up to this. */
  @DurationMs(100, 86_400_000)
  @NotLessThan('refillBackoffInitialMs')
  refillBackoffMaxMs = 300_000;

  /** `powering-off`: a warm server must be SHUTOFF (or shelved) within this. */
  @DurationMs(1_000, 3_600_000)
  stopTimeoutMs = 120_000;
}
