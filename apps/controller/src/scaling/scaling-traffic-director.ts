import { Inject, Injectable } from '@nestjs/common';
import { ScalingConfig } from '../config/scaling.config';
import { InstancePool } from '../pool/instance-pool';
import { TRAFFIC_SELECTOR, TrafficSelector } from '../pool/traffic-selector';
import { Backend, RequestInfo, TrafficDecision, TrafficDirector, UpstreamOutcome } from '../proxy/traffic-director';
import { ScaleOutGate } from './scale-out-gate';
import { ScalingService } from './scaling.service';

/** Request counters for /status (and, later, metrics). */
export interface TrafficCounters {
  received: number;
  forwarded: number;
  rejectedWhileScaling: number;
  rejectedNoBackend: number;
  retries: number;
  outcomes: Record<UpstreamOutcome, number>;
}

/**
 * The control plane's answer to "what do I do with this request?" (the proxy's TrafficDirector),
 * in three steps: is the gate closed -> which instance may serve -> count it (which may start a
 * scale-out and close the gate for this very request). Synchronous and allocation-light: it runs
 * once per client request.
 */
@Injectable()
export class ScalingTrafficDirector implements TrafficDirector {
  readonly counters: TrafficCounters = {
    received: 0,
    forwarded: 0,
    rejectedWhileScaling: 0,
    rejectedNoBackend: 0,
    retries: 0,
    outcomes: { ok: 0, 'connect-failed': 0, reset: 0, timeout: 0, 'client-aborted': 0 },
  };

  constructor(
    private readonly config: ScalingConfig,
    private readonly gate: ScaleOutGate,
    private readonly pool: InstancePool,
    @Inject(TRAFFIC_SELECTOR) private readonly selector: TrafficSelector,
    private readonly scaling: ScalingService,
  ) {}

  admit(_request: RequestInfo): TrafficDecision {
    this.counters.received++;
    if (!this.gate.current().open) return this.rejectWhileScaling();
    const instance = this.selector.pick();
    if (!instance?.backend) {
      this.counters.rejectedNoBackend++;
      return { kind: 'reject', retryAfterSeconds: this.config.retryAfterSeconds, reason: 'no healthy backend is available yet, retry shortly' };
    }
    this.scaling.countRequest();
    if (!this.gate.current().open) return this.rejectWhileScaling();
    this.counters.forwarded++;
    this.pool.requestStarted(instance.id);
    return { kind: 'forward', backend: instance.backend };
  }

  alternative(failed: Backend): Backend | undefined {
    const instance = this.selector.alternative(failed.id);
    if (!instance?.backend) return undefined;
    this.counters.retries++;
    this.pool.requestStarted(instance.id);
    return instance.backend;
  }

  settle(backend: Backend, outcome: UpstreamOutcome, _durationMs: number): void {
    this.counters.outcomes[outcome]++;
    this.pool.requestFinished(backend.id);
  }

  private rejectWhileScaling(): TrafficDecision {
    this.counters.rejectedWhileScaling++;
    const gate = this.gate.current();
    return gate.open
      ? { kind: 'reject', retryAfterSeconds: this.config.retryAfterSeconds, reason: 'scaling out, retry shortly' }
      : { kind: 'reject', retryAfterSeconds: gate.retryAfterSeconds, reason: gate.reason };
  }
}
