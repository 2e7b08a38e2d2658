import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  Optional,
} from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { Clock, CLOCK } from '../clock/clock';
import { DataPlaneConfig } from '../config/data-plane.config';
import { MetricsRegistry } from '../metrics/metrics-registry';
import { InstancePool, PoolEvents } from '../pool/instance-pool';
import { PassiveEjection } from '../pool/passive-ejection';
import { TRAFFIC_SELECTOR, TrafficSelector } from '../pool/traffic-selector';
import { repeatEvery } from '../resilience/backoff';
import { ScaleOutGate } from '../scaling/scale-out-gate';
import { ScalingService } from '../scaling/scaling.service';
import { ScalingTrafficDirector } from '../scaling/scaling-traffic-director';
import {
  DATA_PLANE,
  DataPlane,
  DataPlaneCounters,
  DataPlaneMember,
  MemberState,
  RejectAnswer,
} from '../seams/data-plane';
import { Leadership, LEADERSHIP } from '../seams/leadership';
import { CounterDeltas } from './counter-deltas';
import { desiredMembers } from './desired-members';

/** Pool events after which the member set may differ. */
const MEMBER_EVENTS: ReadonlyArray<keyof PoolEvents> = [
  'phase',
  'admitted',
  'ejected',
  'restored',
  'removed',
];

/**
 * The control plane's side of an external data plane (`dataPlane.kind` other than builtin). It
 * does for the data plane what ScalingTrafficDirector does per request for the built-in proxy,
 * from the outside:
 *
 * - members: every pool change is turned into the whole desired member set (desired-members.ts)
 *   and applied; a failed apply is retried at the next counters tick.
 * - counters: every `countersIntervalMs` the data plane's counters are read; each request it
 *   forwarded since the last reading is counted (ScalingService.countRequest: the request-count
 *   trigger and the requests-per-second meter), each member's requests and in-flight figures go to
 *   the pool (least-outstanding, the in-flight policy, drain, /status), and its transport errors
 *   to passive ejection.
 * - the gate: after each reading and each gate change the "503 while scaling" answer is set to
 *   match ScaleOutGate.
 *
 * So the request-count trigger fires at the first reading at which N requests have been
 * forwarded since the last scale event: at most `countersIntervalMs` plus one Runtime API round
 * trip after the N-th request, and the requests that arrive in between are served, not 503'd
 * (docs/data-plane-haproxy.md).
 *
 * With leadership.enabled only the leader drives the data plane: a standby does not start it
 * (starting the Octavia one may create the load balancer), sends no member set and no gate,
 * until it is elected; then it starts it like a restarted controller would (seams/leadership.ts).
 * For a data plane whose members outlive the controller, the first member set after a (re)start
 * or a takeover waits until restart recovery has listed the group and brought in what it adopts,
 * so the members the previous controller left are kept, not pruned and added again.
 */
@Injectable()
export class DataPlaneDriver implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('DataPlane');
  private readonly shutdown = new AbortController();
  private readonly deltas = new CounterDeltas();
  private readonly unsubscribe: Array<() => void> = [];
  private loop: Promise<void> | undefined;
  private membersDirty = false;
  private applying: Promise<void> | undefined;
  /** Bumped per member change; an apply that completes records the change it covered. */
  private changeGeneration = 0;
  private appliedGeneration = 0;
  /**
   * Instances that just went to `deleting`: they count one request in flight from that moment
   * until a reading taken after their `drain` was applied, so the removal's drain cannot finish
   * on a stale zero (and the server is never deleted while the data plane still sends to it).
   */
  private readonly drainUnconfirmed = new Map<string, number>();
  private gateApplied: string | undefined = 'open';
  private membersLogged = '';
  private lastReadFailure = '';
  /** Set once this controller drives the data plane (a standby's stays unset until it is elected). */
  private started = false;
  private firstSetSent = false;
  private standbyWait: Promise<void> | undefined;

  constructor(
    @Inject(DATA_PLANE) private readonly dataPlane: DataPlane,
    private readonly config: DataPlaneConfig,
    private readonly pool: InstancePool,
    @Inject(TRAFFIC_SELECTOR) private readonly selector: TrafficSelector,
    private readonly gate: ScaleOutGate,
    private readonly scaling: ScalingService,
    private readonly director: ScalingTrafficDirector,
    private readonly passiveEjection: PassiveEjection,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LEADERSHIP) private readonly leadership: Leadership,
    @Optional() metrics?: MetricsRegistry,
  ) {
    if (metrics) this.registerMetrics(metrics);
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.leadership.isLeader()) return this.begin();
    // A standby must not block the app's start (its admin listener shows it as standby).
    this.logger.log(
      `standby: the data plane (${this.dataPlane.status().kind}) is the leader's; it is started here once this controller is elected`,
    );
    this.standbyWait = this.beginWhenElected(this.shutdown.signal);
  }

  /** After the election: started like at boot, but a failure (the cloud API down) is retried, never fatal to the new leader. */
  private async beginWhenElected(signal: AbortSignal): Promise<void> {
    try {
      await this.leadership.whenLeader(signal);
    } catch {
      return; // shut down before it was elected
    }
    for (let attempt = 1; !signal.aborted; attempt++) {
      try {
        await this.begin();
        return;
      } catch (error) {
        const retryMs = Math.min(30_000, 1_000 * 2 ** (attempt - 1));
        this.logger.error(
          `cannot start the data plane after the election (attempt ${attempt}): ${(error as Error).message}; retrying in ${retryMs} ms`,
        );
        await this.clock.sleep(retryMs, signal).catch(() => undefined);
      }
    }
  }

  private async begin(): Promise<void> {
    if (this.shutdown.signal.aborted) return;
    await this.dataPlane.start();
    this.started = true;
    const onChange = (instance: { id: string; phase: string; inFlight: number }): void => {
      if (instance.phase === 'deleting' && !this.drainUnconfirmed.has(instance.id)) {
        this.drainUnconfirmed.set(instance.id, this.changeGeneration + 1);
        // At once, not at the next reading: the removal looks at its in-flight count right after
        // this phase change, and the last reading's count (often 0) predates the drain.
        this.pool.recordExternalLoad(instance.id, 0, Math.max(1, instance.inFlight));
      }
      this.scheduleApply();
    };
    for (const event of MEMBER_EVENTS) {
      this.pool.events.on(event, onChange as never);
      this.unsubscribe.push(() => this.pool.events.off(event, onChange as never));
    }
    this.scheduleApply();
    await this.applying;
    this.loop = repeatEvery(
      this.clock,
      this.interval,
      this.shutdown.signal,
      () => this.tick(),
      (error) => this.logger.error(`counters tick failed: ${String(error)}`),
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.shutdown.abort();
    // The standby's wait first: a begin() that ends during shutdown subscribes before we unsubscribe.
    await this.standbyWait;
    for (const off of this.unsubscribe.splice(0)) off();
    await this.loop;
    if (this.started) await this.dataPlane.stop();
  }

  /** Resolves once the member changes asked for so far have been applied (or have failed). */
  async idle(): Promise<void> {
    while (this.applying) {
      const applying = this.applying;
      await applying;
      if (applying === this.applying) return;
    }
  }

  /** One reading: counters to the control plane, then the gate and any member change left over. */
  async tick(): Promise<void> {
    const coveredGeneration = this.appliedGeneration;
    let counters: DataPlaneCounters | undefined;
    try {
      counters = await this.dataPlane.readCounters();
      this.lastReadFailure = '';
    } catch (error) {
      const message = (error as Error).message;
      if (message !== this.lastReadFailure)
        this.logger.warn(
          `cannot read the data plane's counters: ${message} (retried every ${this.interval} ms)`,
        );
      this.lastReadFailure = message;
    }
    if (counters) this.takeCounters(counters, coveredGeneration);
    await this.mirrorGate();
    if (this.membersDirty) this.scheduleApply();
  }

  private get interval(): number {
    return this.config.haproxy.countersIntervalMs;
  }

  private takeCounters(counters: DataPlaneCounters, coveredGeneration: number): void {
    const change = this.deltas.next(counters);
    this.director.countExternalRequests(change.forwarded, change.rejected);
    // The request-count trigger and the requests-per-second meter, one call per forwarded request.
    for (let request = 0; request < change.forwarded; request++) this.scaling.countRequest();
    for (const id of this.drainUnconfirmed.keys())
      if (!this.pool.get(id)) this.drainUnconfirmed.delete(id);
    for (const instance of this.pool.list()) {
      const member = counters.members.get(instance.id);
      const delta = change.members.get(instance.id);
      const confirmedAt = this.drainUnconfirmed.get(instance.id);
      const drainConfirmed = confirmedAt !== undefined && confirmedAt <= coveredGeneration;
      if (drainConfirmed) this.drainUnconfirmed.delete(instance.id);
      const unconfirmed = this.drainUnconfirmed.has(instance.id) && instance.phase === 'deleting';
      const inFlight = Math.max(member?.inFlight ?? 0, unconfirmed ? 1 : 0);
      this.pool.recordExternalLoad(instance.id, delta?.requests ?? 0, inFlight);
      if (delta) this.observeTransport(instance.id, delta.errors, delta.responses);
    }
  }

  /**
   * Passive ejection from counter deltas: the order of requests inside one interval is unknown,
   * so an interval with any response counts as a success (resets the run), and an interval with
   * only failures adds each of them to the run.
   */
  private observeTransport(id: string, errors: number, responses: number): void {
    const instance = this.pool.get(id);
    if (!instance) return;
    if (responses > 0) this.passiveEjection.observe(instance, 'ok');
    else
      for (let failure = 0; failure < errors; failure++)
        this.passiveEjection.observe(instance, 'connect-failed');
  }

  private async mirrorGate(): Promise<void> {
    if (!this.leadership.isLeader()) return; // only the leader changes the data plane (seams/leadership.ts)
    const state = this.gate.current();
    const answer: RejectAnswer | undefined = state.open
      ? undefined
      : { retryAfterSeconds: state.retryAfterSeconds, reason: state.reason };
    const key = answer ? `${answer.retryAfterSeconds} ${answer.reason}` : 'open';
    if (key === this.gateApplied) return;
    try {
      await this.dataPlane.setRejectWhileScaling(answer);
      this.gateApplied = key;
      this.logger.log(
        answer
          ? `data plane answers 503 + Retry-After: ${answer.retryAfterSeconds} (${answer.reason})`
          : 'data plane routes to the instances again (gate open)',
      );
    } catch (error) {
      this.logger.warn(
        `cannot set the 503-while-scaling answer: ${(error as Error).message} (retried at the next tick)`,
      );
    }
  }

  /** Applies the current member set after the pool's listeners (the selector's) have seen the change. */
  private scheduleApply(): void {
    const generation = ++this.changeGeneration;
    this.membersDirty = true;
    const previous = this.applying ?? Promise.resolve();
    this.applying = previous.then(() => this.apply(generation));
    // The gate often changes with the pool (a scale-out ends): mirror it at once, not a tick later.
    void this.applying.then(() => this.mirrorGate());
  }

  private async apply(generation: number): Promise<void> {
    if (generation < this.changeGeneration || this.shutdown.signal.aborted) return; // a newer change applies the newer set
    await new Promise<void>((resolve) => queueMicrotask(resolve));
    if (!this.mayApply()) {
      this.membersDirty = true; // the next tick tries again
      return;
    }
    this.membersDirty = false;
    const serving = new Set(this.selector.serving().map((instance) => instance.id));
    const covering = this.changeGeneration;
    const members = desiredMembers(this.pool.list(), serving);
    try {
      await this.dataPlane.applyMembers(members);
      this.appliedGeneration = Math.max(this.appliedGeneration, covering);
      this.logMembers(members);
    } catch (error) {
      this.membersDirty = true;
      this.logger.warn((error as Error).message);
    }
  }

  /** Only the leader changes the data plane; one that outlives us first waits for the group to be brought in. */
  private mayApply(): boolean {
    if (!this.leadership.isLeader()) return false;
    if (!this.dataPlane.membersOutliveController || this.firstSetSent) return true;
    if (!this.scaling.isRecovered || this.scaling.isAdopting) return false;
    this.firstSetSent = true;
    return true;
  }

  /** One line per change of what the data plane has: from then on it routes accordingly (tests wait for it). */
  private logMembers(members: readonly DataPlaneMember[]): void {
    const names = (state: MemberState): string =>
      members
        .filter((member) => member.state === state)
        .map((member) => this.pool.get(member.backend.id)?.name ?? member.backend.id)
        .join(', ') || '-';
    const line = `ready ${names('ready')} | drain ${names('drain')} | maint ${names('maint')}`;
    if (line === this.membersLogged) return;
    this.membersLogged = line;
    this.logger.log(`data plane members: ${line}`);
  }

  private registerMetrics(metrics: MetricsRegistry): void {
    const registers = [metrics.registry];
    const dataPlane = this.dataPlane;
    const deltas = this.deltas;
    new Gauge({
      name: 'osa_data_plane_up',
      help: 'External data plane (dataPlane.kind): 1 while it carries traffic, 0 while it is starting, restarting or stopped',
      labelNames: ['kind'],
      registers,
      collect() {
        const status = dataPlane.status();
        this.set({ kind: status.kind }, status.state === 'running' ? 1 : 0);
      },
    });
    new Counter({
      name: 'osa_data_plane_restarts_total',
      help: 'Times the external data plane was restarted after it exited unexpectedly',
      registers,
      collect() {
        this.reset();
        this.inc(dataPlane.status().restarts);
      },
    });
    new Counter({
      name: 'osa_data_plane_requests_total',
      help: 'Client requests seen by the external data plane, by result: forwarded to an instance, or answered by the data plane itself (503 while scaling, no instance, queue timeout, refused request)',
      labelNames: ['result'],
      registers,
      collect() {
        this.reset();
        this.inc({ result: 'forwarded' }, deltas.totals.forwarded);
        this.inc({ result: 'answered_by_data_plane' }, deltas.totals.rejected);
      },
    });
  }
}
