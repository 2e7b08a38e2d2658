import { DurationMs, IntegerIn, UrlPath } from './config-rules';

/** Backend health checks: admission of new instances and watching admitted ones. */
export class HealthConfig {
  /** Path probed with GET on each backend; any 2xx passes. */
  @UrlPath()
  path = '/healthz';

  /** A new instance takes traffic only after this many passing checks in a row (K). */
  @IntegerIn(1, 100)
  passesToAdmit = 2;

  /** An admitted instance leaves rotation after this many failing checks in a row (F). */
  @IntegerIn(1, 100)
  failuresToEject = 3;

  /** One check fails if no complete response arrives within this. */
  @DurationMs(50, 600_000)
  checkTimeoutMs = 2_000;

  /** Time between checks of the same backend. */
  @DurationMs(50, 600_000)
  intervalMs = 500;

  /** `health-checking`: a new instance must pass K checks in a row within this. */
  @DurationMs(100, 86_400_000)
  readinessTimeoutMs = 180_000;
}
