import { EventEmitter } from 'node:events';
import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { ScalingConfig } from '../config/scaling.config';
import { TrafficConfig } from '../config/traffic.config';
import { InstancePool, PoolEvents } from '../pool/instance-pool';
import { PassiveEjection } from '../pool/passive-ejection';
import { PoolInstance } from '../pool/pool-instance';
import { TRAFFIC_SELECTOR, TrafficSelector } from '../pool/traffic-selector';
import { Clock, CLOCK } from '../clock/clock';
import {
  Backend,
  RequestInfo,
  TrafficDecision,
  TrafficDirector,
  UpstreamOutcome,
} from '../seams/traffic-director';
import { AdmissionQueue, AdmissionQueueCounters } from './admission-queue';
import { ScaleOutGate } from './scale-out-gate';
import { ScalingService } from './scaling.service';

/** Request counters for /status and /metrics. */
export interface TrafficCounters {
  received: number;
  forwarded: number;
  rejectedWhileScaling: number;
  rejectedNoBackend: number;
  retries: number;
  outcomes: Record<UpstreamOutcome, number>;
  /** `duringScaleOut: queue`: requests held while no instance was healthy, and what became of them. */
  queue: AdmissionQueueCounters & { waiting: number };
}

export interface TrafficDirectorEvents {
  settled: [backend: Backend, outcome: UpstreamOutcome, durationMs: number];
}

/** Pool events after which a held request may find an instance. */
const INSTANCE_AVAILABLE_EVENTS: ReadonlyArray<keyof PoolEvents> = [
  'registered',
  'admitted',
  'restored',
];

/**
 * The control plane's answer to "what do I do with this request?" (the proxy's TrafficDirector),
 * in three steps: is the gate closed (only in `reject` mode, while scaling) -> which instance may
 * serve (the TrafficSelector; none: 503, or held in `queue` mode) -> count it (which may start a
 * scale-out and, in `reject` mode, close the gate for this very request). Synchronous and
 * allocation-light: it runs once per client request. `settle` keeps the in-flight counts the
 * least-outstanding selector reads, records the upstream latency and feeds passive ejection.
 */
@Injectable()
export class ScalingTrafficDirector implements TrafficDirector, OnModuleInit, OnModuleDestroy {
  private readonly queue: AdmissionQueue;
  private readonly holdWhenNoInstance: boolean;
  private readonly queueCounters: AdmissionQueueCounters;
  private readonly unsubscribe: Array<() => void> = [];
  private releaseScheduled = false;
  private readonly counterValues: Omit<TrafficCounters, 'queue'> = {
    received: 0,
    forwarded: 0,
    rejectedWhileScaling: 0,
    rejectedNoBackend: 0,
    retries: 0,
    outcomes: { ok: 0, 'connect-failed': 0, reset: 0, timeout: 0, 'client-aborted': 0 },
  };
  /** Every settled upstream exchange (metrics record the upstream latency from it). */
  readonly events = new EventEmitter<TrafficDirectorEvents>();

  constructor(
    private readonly config: ScalingConfig,
    traffic: TrafficConfig,
    private readonly gate: ScaleOutGate,
    private readonly pool: InstancePool,
    @Inject(TRAFFIC_SELECTOR) private readonly selector: TrafficSelector,
    private readonly scaling: ScalingService,
    private readonly passiveEjection: PassiveEjection,
    @Inject(CLOCK) clock: Clock,
  ) {
    this.holdWhenNoInstance = traffic.duringScaleOut === 'queue';
    this.queue = new AdmissionQueue(
      {
        maxRequests: traffic.queueMaxRequests,
        maxWaitMs: traffic.queueMaxWaitMs,
        retryAfterSeconds: config.retryAfterSeconds,
        progressLogIntervalMs: config.progressLogIntervalMs,
      },
      clock,
      new Logger('RequestQueue'),
    );
    this.queueCounters = this.queue.counters;
  }

  /** A live view: the numbers change as requests come and go. */
  get counters(): TrafficCounters {
    return { ...this.counterValues, queue: { ...this.queueCounters, waiting: this.queue.length } };
  }

  onModuleInit(): void {
    if (!this.holdWhenNoInstance) return;
    const onAvailable = (): void => this.scheduleRelease();
    for (const event of INSTANCE_AVAILABLE_EVENTS) {
      this.pool.events.on(event, onAvailable);
      this.unsubscribe.push(() => this.pool.events.off(event, onAvailable));
    }
  }

  /** Held requests get their 503 now rather than at the end of their wait (the proxy drains next). */
  onModuleDestroy(): void {
    for (const off of this.unsubscribe.splice(0)) off();
    this.queue.close();
  }

  admit(_request: RequestInfo): TrafficDecision {
    this.counterValues.received++;
    if (!this.gate.current().open) return this.rejectWhileScaling();
    const instance = this.selector.pick();
    if (!instance?.backend) return this.noInstance();
    this.scaling.countRequest();
    if (!this.gate.current().open) return this.rejectWhileScaling();
    return this.forwardTo(instance, instance.backend);
  }

  /**
   * An external data plane (dataPlane.kind haproxy) routes the requests itself; its counters,
   * read at an interval, keep /status and /metrics' request figures: `rejected` it answered itself.
   */
  countExternalRequests(forwarded: number, rejected: number): void {
    this.counterValues.received += forwarded + rejected;
    this.counterValues.forwarded += forwarded;
    if (this.gate.current().open) this.counterValues.rejectedNoBackend += rejected;
    else this.counterValues.rejectedWhileScaling += rejected;
  }

  alternative(failed: Backend): Backend | undefined {
    const instance = this.selector.alternative(failed.id);
    if (!instance?.backend) return undefined;
    this.counterValues.retries++;
    this.pool.requestStarted(instance.id);
    return instance.backend;
  }

  settle(backend: Backend, outcome: UpstreamOutcome, durationMs: number): void {
    this.counterValues.outcomes[outcome]++;
    this.events.emit('settled', backend, outcome, durationMs);
    const instance = this.pool.requestFinished(backend.id);
    if (instance) this.passiveEjection.observe(instance, outcome);
  }

  private forwardTo(instance: PoolInstance, backend: Backend): TrafficDecision {
    this.counterValues.forwarded++;
    this.pool.requestStarted(instance.id);
    return { kind: 'forward', backend };
  }

  /** Nothing in rotation: 503, or in `queue` mode wait for the first instance admitted. */
  private noInstance(): TrafficDecision {
    if (this.holdWhenNoInstance) {
      // A held request is demand like any other: counted, so load on an empty pool can start a scale-out.
      this.scaling.countRequest();
      return this.queue.hold();
    }
    this.counterValues.rejectedNoBackend++;
    return {
      kind: 'reject',
      retryAfterSeconds: this.config.retryAfterSeconds,
      reason: 'no healthy backend is available yet, retry shortly',
    };
  }

  /**
   * After the pool's listeners (the selector's among them) have seen the event, hand held
   * requests to whichever instances the selector now offers.
   */
  private scheduleRelease(): void {
    if (this.releaseScheduled || this.queue.length === 0) return;
    this.releaseScheduled = true;
    queueMicrotask(() => {
      this.releaseScheduled = false;
      this.queue.release(() => {
        const instance = this.selector.pick();
        return instance?.backend ? this.forwardTo(instance, instance.backend) : undefined;
      });
    });
  }

  private rejectWhileScaling(): TrafficDecision {
    this.counterValues.rejectedWhileScaling++;
    const gate = this.gate.current();
    return gate.open
      ? {
          kind: 'reject',
          retryAfterSeconds: this.config.retryAfterSeconds,
          reason: 'scaling out, retry shortly',
        }
      : { kind: 'reject', retryAfterSeconds: gate.retryAfterSeconds, reason: gate.reason };
  }
}
