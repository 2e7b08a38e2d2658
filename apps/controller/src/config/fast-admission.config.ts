import { DurationMs } from './config-rules';

/**
 * `scaling.fastAdmission`: how closely a launch watches a new server. Nova is polled from the
 * moment of the create (the first poll right after Nova answers; intervals grow with the time
 * since the create, a quarter of it, from `firstStatusPollMs` up to `scaling.statusPollMaxMs`),
 * and once the first health check passes, the rest of the K passes follow `passIntervalMs` apart.
 */
export class FastAdmissionConfig {
  /** The shortest status-poll interval right after the create (or start); grows to scaling.statusPollMaxMs. */
  @DurationMs(10, 600_000)
  firstStatusPollMs = 100;

  /** After the first passing health check, the next ones (up to health.passesToAdmit) come this often. */
  @DurationMs(10, 600_000)
  passIntervalMs = 100;
}
