import { BooleanFlag, DurationMs, NotLessThan } from './config-rules';

/** Self-healing: replacing admitted instances that died or keep failing health checks (`scaling.healing`). */
export class HealingConfig {
  /**
   * Replace an admitted instance that failed `health.failuresToEject` checks in a row, or whose
   * server went to ERROR/SHUTOFF or was deleted behind our back, keeping the desired count.
   */
  @BooleanFlag()
  enabled = true;

  /** How often the provider is asked for the group's servers (status behind our back, orphans, API health). */
  @DurationMs(100, 3_600_000)
  providerPollIntervalMs = 5_000;

  /** After a failed replacement, the next one waits this long; doubles per failure in a row ... */
  @DurationMs(0, 86_400_000)
  backoffInitialMs = 5_000;

  /** ... up to this. */
  @DurationMs(0, 86_400_000)
  @NotLessThan('backoffInitialMs')
  backoffMaxMs = 300_000;
}
