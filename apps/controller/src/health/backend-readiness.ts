import { Inject, Injectable } from '@nestjs/common';
import { HealthConfig } from '../config/health.config';
import { Clock, CLOCK } from '../clock/clock';
import { ServiceEndpoint } from '../providers/instance-provider';
import { BACKEND_PROBE, BackendProbe, ProbeResult } from './backend-probe';

/** A new backend did not pass K checks in a row within the readiness timeout. */
export class ReadinessTimeoutError extends Error {
  constructor(
    message: string,
    readonly checks: number,
    readonly lastDetail: string | undefined,
  ) {
    super(message);
    this.name = 'ReadinessTimeoutError';
  }
}

export interface ReadinessOptions {
  readonly signal?: AbortSignal;
  /** Called after every check (progress, debug logging). */
  readonly onCheck?: (result: ProbeResult, passesInARow: number) => void;
  /** After a passing check, the next one comes this soon (admission: the first K passes closely spaced); default health.intervalMs. */
  readonly passIntervalMs?: number;
}

/** Admission: a backend is ready after `health.passesToAdmit` passing checks in a row. */
@Injectable()
export class BackendReadiness {
  constructor(
    private readonly config: HealthConfig,
    @Inject(BACKEND_PROBE) private readonly probe: BackendProbe,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Resolves with the number of checks it took; rejects with ReadinessTimeoutError (or the abort). */
  async waitUntilReady(
    endpoint: ServiceEndpoint,
    options: ReadinessOptions = {},
  ): Promise<{ checks: number }> {
    const { passesToAdmit, intervalMs, readinessTimeoutMs } = this.config;
    const deadlineMs = this.clock.nowMs() + readinessTimeoutMs;
    let passesInARow = 0;
    let checks = 0;
    let last: ProbeResult | undefined;
    for (;;) {
      options.signal?.throwIfAborted();
      last = await this.probe.check(endpoint, options.signal);
      checks++;
      passesInARow = last.ok ? passesInARow + 1 : 0;
      options.onCheck?.(last, passesInARow);
      if (passesInARow >= passesToAdmit) return { checks };
      const waitMs = last.ok ? (options.passIntervalMs ?? intervalMs) : intervalMs;
      if (this.clock.nowMs() + waitMs > deadlineMs) {
        throw new ReadinessTimeoutError(
          `no ${passesToAdmit} passing health checks in a row on ${endpoint.host}:${endpoint.port}${this.config.path} ` +
            `within ${readinessTimeoutMs} ms (health.readinessTimeoutMs; ${checks} checks, last: ${last.detail})`,
          checks,
          last.detail,
        );
      }
      await this.clock.sleep(waitMs, options.signal);
    }
  }
}
