import { Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram } from 'prom-client';
import { readBuildInfo } from '../build-info';
import { InstancePool } from '../pool/instance-pool';
import { EjectionSource, InstancePhase, PoolInstance } from '../pool/pool-instance';
import { ProxyExchangeEvent, ProxyServer } from '../proxy';
import { LaunchEvent, ScalingEvent } from '../scaling/scaling-event';
import { isLaunchEvent, ScalingEventLog } from '../scaling/scaling-event-log';
import { ScalingTrafficDirector } from '../scaling/scaling-traffic-director';
import { MetricsRegistry } from './metrics-registry';

/** Listed even while empty, so dashboards see zeros rather than missing series. */
const PHASES: readonly InstancePhase[] = [
  'creating',
  'powering-on',
  'booting',
  'addressing',
  'health-checking',
  'admitted',
  'deleting',
];
const HEALTH_STATES: readonly PoolInstance['health'][] = ['healthy', 'ejected'];

/** Upper bounds (seconds) for request latencies: 1 ms to 60 s. */
const LATENCY_BUCKETS_SECONDS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];
/** Upper bounds (seconds) for scale-out phases and whole scale-outs: 50 ms to 30 min. */
const SCALE_OUT_BUCKETS_SECONDS = [
  0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800,
];

/**
 * The controller's /metrics families, each hung on something that already exists rather than
 * on a branch in the data path: the proxy's `exchange` event (requests by status, request
 * duration), the traffic director's counters and upstream latency histogram, the pool's state and
 * `ejected` event, and the scaling event log's `finished` event (scale events by outcome,
 * scale-out duration by phase and in total). Gauges and mirrored counters are read at scrape time.
 * Per-instance series are labelled `backend`, not `instance`: Prometheus sets `instance` on every
 * series itself (the scrape target), and ours would be renamed `exported_instance`. Node's own
 * process metrics (`process_*`, `nodejs_*`) and `osa_build_info` come with them.
 */
@Injectable()
export class ControllerMetrics implements OnApplicationBootstrap, OnModuleDestroy {
  /** outcome -> status -> requests; filled by the `exchange` listener, mirrored at scrape. */
  private readonly requestsByOutcome = new Map<string, Map<number, number>>();
  private readonly requestDuration: Histogram;
  private readonly ejections: Record<EjectionSource, number> = { 'health-checks': 0, passive: 0 };
  private readonly scaleEvents: Counter<'kind' | 'outcome'>;
  private readonly scalePhaseDurations: Histogram<'kind' | 'phase'>;
  private readonly scaleOutDurations: Histogram<'kind'>;
  private readonly unsubscribe: Array<() => void> = [];

  constructor(
    metrics: MetricsRegistry,
    private readonly pool: InstancePool,
    director: ScalingTrafficDirector,
    private readonly eventLog: ScalingEventLog,
    private readonly proxy: ProxyServer,
  ) {
    const buildInfo = readBuildInfo();
    const registers = [metrics.registry];
    collectDefaultMetrics({ register: metrics.registry });
    new Gauge({
      name: 'osa_build_info',
      help: 'Always 1; the labels say which controller build runs: version (workspace package.json), commit (git, "unknown" outside a checkout), Node.js version',
      labelNames: ['version', 'commit', 'node_version'],
      registers,
    }).set(
      { version: buildInfo.version, commit: buildInfo.commit, node_version: process.version },
      1,
    );
    const requestsByOutcome = this.requestsByOutcome;
    new Counter({
      name: 'osa_proxy_requests_total',
      help: 'Client requests answered by the proxy, by status sent (0: connection cut) and how the exchange ended (ok, connect-failed, reset, timeout, client-aborted; local: answered by the proxy itself, e.g. 503 while scaling)',
      labelNames: ['status', 'outcome'],
      registers,
      collect() {
        this.reset();
        for (const [outcome, byStatus] of requestsByOutcome)
          for (const [status, count] of byStatus)
            this.inc({ status: String(status), outcome }, count);
      },
    });
    this.requestDuration = new Histogram({
      name: 'osa_proxy_request_duration_seconds',
      help: 'Time from a client request to its answer as the proxy saw it (including any wait in the duringScaleOut queue)',
      buckets: LATENCY_BUCKETS_SECONDS,
      registers,
    });
    const upstreamLatency = new Histogram({
      name: 'osa_upstream_response_duration_seconds',
      help: 'Upstream latency: from sending a request to an instance to the end of its answer, per attempt',
      buckets: LATENCY_BUCKETS_SECONDS,
      registers,
    });
    // Fed from the director's `settled` event: scaling knows nothing of metrics (no folder cycle).
    director.events.on('settled', (_backend, outcome, durationMs) => {
      if (outcome !== 'client-aborted') upstreamLatency.observe(durationMs / 1000);
    });
    const proxyInFlight = (): number => this.proxy.inFlight;
    new Gauge({
      name: 'osa_proxy_in_flight_requests',
      help: 'Client requests being served now (forwarded, held in the queue, or tunnelled)',
      registers,
      collect() {
        this.set(proxyInFlight());
      },
    });
    new Gauge({
      name: 'osa_instance_in_flight_requests',
      help: 'Requests in flight on each instance, labelled backend=<instance name> (what least-outstanding balancing reads)',
      labelNames: ['backend'],
      registers,
      collect() {
        this.reset();
        for (const instance of pool.list()) this.set({ backend: instance.name }, instance.inFlight);
      },
    });
    new Gauge({
      name: 'osa_request_queue_waiting',
      help: 'Requests held now because no instance is healthy (duringScaleOut: queue)',
      registers,
      collect() {
        this.set(director.counters.queue.waiting);
      },
    });
    new Counter({
      name: 'osa_traffic_decisions_total',
      help: 'What the traffic director decided per client request: forwarded, rejected_while_scaling, rejected_no_backend, retried (one retry on another instance), held, released, refused_queue_full, refused_queue_wait, refused_shutting_down, left_while_held (the client hung up while held)',
      labelNames: ['decision'],
      registers,
      collect() {
        const counters = director.counters;
        this.reset();
        const decisions: Record<string, number> = {
          forwarded: counters.forwarded,
          rejected_while_scaling: counters.rejectedWhileScaling,
          rejected_no_backend: counters.rejectedNoBackend,
          retried: counters.retries,
          held: counters.queue.held,
          released: counters.queue.released,
          refused_queue_full: counters.queue.refusedQueueFull,
          refused_queue_wait: counters.queue.refusedWaitedTooLong,
          refused_shutting_down: counters.queue.refusedShuttingDown,
          left_while_held: counters.queue.leftWhileHeld,
        };
        for (const [decision, count] of Object.entries(decisions)) this.inc({ decision }, count);
      },
    });
    new Gauge({
      name: 'osa_instances',
      help: 'Instances by phase (creating, booting, addressing, health-checking, admitted, deleting) and health (healthy, ejected)',
      labelNames: ['phase', 'health'],
      registers,
      collect() {
        this.reset();
        const counts = new Map<string, number>();
        for (const phase of PHASES)
          for (const health of HEALTH_STATES) counts.set(`${phase} ${health}`, 0);
        for (const instance of pool.list())
          counts.set(
            `${instance.phase} ${instance.health}`,
            (counts.get(`${instance.phase} ${instance.health}`) ?? 0) + 1,
          );
        for (const [key, count] of counts) {
          const [phase, health] = key.split(' ');
          this.set({ phase, health }, count);
        }
      },
    });
    const ejections = this.ejections;
    new Counter({
      name: 'osa_instance_ejections_total',
      help: 'Instances taken out of rotation, by who did it: health-checks (health.failuresToEject) or passive (traffic.passiveFailuresToEject)',
      labelNames: ['by'],
      registers,
      collect() {
        this.reset();
        for (const [by, count] of Object.entries(ejections)) this.inc({ by }, count);
      },
    });
    this.scaleEvents = new Counter({
      name: 'osa_scale_events_total',
      help: 'Finished scaling events by kind (scale-out, replacement, adoption, scale-in, heal) and outcome (admitted, removed, failed)',
      labelNames: ['kind', 'outcome'],
      registers,
    });
    this.scalePhaseDurations = new Histogram({
      name: 'osa_scale_out_phase_duration_seconds',
      help: 'Time spent in each scale-out phase (creating, booting, addressing, health-checking), by kind (scale-out, replacement, adoption); the phases of one scale-out sum to its osa_scale_out_duration_seconds',
      labelNames: ['kind', 'phase'],
      buckets: SCALE_OUT_BUCKETS_SECONDS,
      registers,
    });
    this.scaleOutDurations = new Histogram({
      name: 'osa_scale_out_duration_seconds',
      help: 'Whole finished scale-outs, start to admitted or failed, by kind (scale-out, replacement, adoption)',
      labelNames: ['kind'],
      buckets: SCALE_OUT_BUCKETS_SECONDS,
      registers,
    });
  }

  onApplicationBootstrap(): void {
    const onExchange = (event: ProxyExchangeEvent): void => this.countExchange(event);
    this.proxy.on('exchange', onExchange);
    this.unsubscribe.push(() => this.proxy.off('exchange', onExchange));
    const onEjected = (_instance: PoolInstance, _reason: string, by: EjectionSource): void => {
      this.ejections[by]++;
    };
    this.pool.events.on('ejected', onEjected);
    this.unsubscribe.push(() => this.pool.events.off('ejected', onEjected));
    const onFinished = (event: ScalingEvent): void => this.countScalingEvent(event);
    this.eventLog.events.on('finished', onFinished);
    this.unsubscribe.push(() => this.eventLog.events.off('finished', onFinished));
  }

  onModuleDestroy(): void {
    for (const off of this.unsubscribe.splice(0)) off();
  }

  /** Once per client request: two map lookups and a histogram observation (~0.6 µs, measured). */
  private countExchange(event: ProxyExchangeEvent): void {
    let byStatus = this.requestsByOutcome.get(event.outcome);
    if (byStatus === undefined) {
      byStatus = new Map<number, number>();
      this.requestsByOutcome.set(event.outcome, byStatus);
    }
    byStatus.set(event.status, (byStatus.get(event.status) ?? 0) + 1);
    this.requestDuration.observe(event.durationMs / 1000);
  }

  private countScalingEvent(event: ScalingEvent): void {
    this.scaleEvents.inc({ kind: event.kind, outcome: event.state });
    if (isLaunchEvent(event)) this.observePhases(event);
  }

  private observePhases(event: LaunchEvent): void {
    for (const [phase, ms] of Object.entries(event.phaseDurationsMs)) {
      if (ms !== undefined)
        this.scalePhaseDurations.observe({ kind: event.kind, phase }, ms / 1000);
    }
    if (event.totalMs !== undefined)
      this.scaleOutDurations.observe({ kind: event.kind }, event.totalMs / 1000);
  }
}
