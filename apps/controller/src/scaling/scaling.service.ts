import { randomBytes } from 'node:crypto';
import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { HealthConfig } from '../config/health.config';
import { ProviderConfig } from '../config/provider.config';
import { ScalingConfig } from '../config/scaling.config';
import { TrafficConfig } from '../config/traffic.config';
import { BackendReadiness } from '../health/backend-readiness';
import { InstancePool } from '../pool/instance-pool';
import { PoolInstance } from '../pool/pool-instance';
import { TRAFFIC_SELECTOR, TrafficSelector } from '../pool/traffic-selector';
import { CloudApiHealth } from '../providers/cloud-api-health';
import { Clock, CLOCK } from '../providers/clock';
import { INSTANCE_PROVIDER, InstanceProvider, InstanceSnapshot } from '../providers/instance-provider';
import { FailureBackoff } from './failure-backoff';
import { InstanceDeleter } from './instance-deleter';
import { OriginalInstanceService } from './original-instance.service';
import { describeVerdict, IN_FLIGHT_SAMPLE_INTERVAL_MS, PolicyEvaluator, PolicyView } from './policies/policy-evaluator';
import { RequestCountPolicy } from './request-count-policy';
import { InstanceRemovalService } from './scale-in/instance-removal.service';
import { RemovalEvent, ScaleEvent, ScaleEventKind, ScalingEvent } from './scale-event';
import { ScaleOutGate } from './scale-out-gate';
import { ScaleOutDependencies, ScaleOutRun } from './scale-out-run';
import { ScalingEventLog } from './scaling-event-log';

interface ActiveRun {
  readonly run: ScaleOutRun;
  readonly done: Promise<void>;
}

/** Why the desired count changed (for the log line and the trigger of the events it causes). */
export interface DesiredChange {
  readonly source: 'policy' | 'manual' | 'recovery' | 'failure';
  readonly reason: string;
}

/** /status: the desired count against what exists, the policies, and the last 50 events with timings. */
export interface ScalingStatusView {
  readonly autoscaling: 'active' | 'paused';
  /** False until the group's existing instances were listed after start-up (nothing is created before). */
  readonly recovered: boolean;
  readonly desiredInstances: number | null;
  /** Instances that exist or are being made, not those on their way out (the original included). */
  readonly actualInstances: number;
  readonly servingInstances: number;
  readonly minInstances: number;
  readonly maxInstances: number;
  readonly policies: PolicyView[];
  readonly cooldowns: { readonly scaleOutRemainingMs: number; readonly scaleInRemainingMs: number };
  readonly backoff: { readonly scaleOut: ReturnType<FailureBackoff['view']>; readonly replacement: ReturnType<FailureBackoff['view']> };
  readonly replacementsOwed: number;
  readonly inProgress: ScalingEvent[];
  readonly pendingDeletes: ReturnType<InstanceDeleter['pendingView']>;
  /** Finished events, oldest first, at most 50. */
  readonly events: readonly ScalingEvent[];
}

/**
 * Keeps the number of instances at the desired count. The desired count is moved by the policies
 * (request-count synchronously on the request that reaches the threshold, target tracking every
 * evaluationIntervalMs), by manual actions, and by restart recovery; `reconcile` then starts
 * scale-outs (ScaleOutRun: new instances, replacements, adoptions) or scale-ins (drain, delete)
 * until what exists matches. One code path for every reason an instance comes or goes.
 */
@Injectable()
export class ScalingService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Scaling');
  private readonly shutdown = new AbortController();
  private readonly runs = new Set<ActiveRun>();
  private readonly runDependencies: ScaleOutDependencies;
  private readonly scaleOutBackoff: FailureBackoff;
  private readonly replacementBackoff: FailureBackoff;
  private desired: number | undefined;
  private paused = false;
  /** Instances taken out by self-healing whose replacement has not started yet. */
  private replacementsOwed = 0;
  private lastTrigger = 'desired count raised';
  private lastScaleOutEndedMs = Number.NEGATIVE_INFINITY;
  private lastScaleEventEndedMs = Number.NEGATIVE_INFINITY;
  private readonly said = new Set<string>();
  private loops: Promise<void>[] = [];

  constructor(
    private readonly config: ScalingConfig,
    private readonly traffic: TrafficConfig,
    private readonly providerConfig: ProviderConfig,
    private readonly policy: RequestCountPolicy,
    private readonly evaluator: PolicyEvaluator,
    private readonly gate: ScaleOutGate,
    private readonly pool: InstancePool,
    @Inject(TRAFFIC_SELECTOR) private readonly selector: TrafficSelector,
    @Inject(INSTANCE_PROVIDER) provider: InstanceProvider,
    readiness: BackendReadiness,
    health: HealthConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly eventLog: ScalingEventLog,
    private readonly removals: InstanceRemovalService,
    private readonly deleter: InstanceDeleter,
    private readonly cloudApi: CloudApiHealth,
    private readonly original: OriginalInstanceService,
  ) {
    this.runDependencies = { provider, readiness, pool, clock, scaling: config, health, logger: new Logger('ScaleOut'), deleter };
    this.scaleOutBackoff = new FailureBackoff(config.failureBackoffInitialMs, config.failureBackoffMaxMs);
    this.replacementBackoff = new FailureBackoff(config.healing.backoffInitialMs, config.healing.backoffMaxMs);
  }

  onApplicationBootstrap(): void {
    this.cloudApi.events.on('recovered', () => this.reconcile());
    this.loops.push(this.every(this.config.evaluationIntervalMs, () => this.evaluate()));
    if (this.evaluator.inFlightActive) this.loops.push(this.every(IN_FLIGHT_SAMPLE_INTERVAL_MS, () => this.evaluator.sampleInFlight()));
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.shutdown.abort();
    await Promise.all(this.loops);
    await this.settled();
  }

  /**
   * Called synchronously for every request that is about to be served. When this request is the
   * N-th since the last scale event (and capacity and back-off allow) the scale-out starts and the
   * gate closes before this function returns, so this very request is answered 503 (seed: request 10).
   */
  countRequest(): void {
    this.evaluator.recordRequest();
    if (!this.evaluator.requestCountActive || !this.policy.count() || this.scaleOutRunning()) return;
    const trigger = `request ${this.policy.counted} since the last scale event reached scaling.thresholdRequests=${this.policy.threshold}`;
    if (this.paused) return this.sayOnce('paused', `threshold of ${this.policy.threshold} requests reached, but autoscaling is paused: no scale-out`);
    if (this.desired === undefined) return this.sayOnce('recovering', 'threshold reached, but the group is still being listed after start-up: no scale-out yet');
    if (this.desired >= this.config.maxInstances) {
      return this.sayOnce('at-capacity', `threshold of ${this.policy.threshold} requests reached, but already at scaling.maxInstances=${this.config.maxInstances}: no scale-out`);
    }
    const waitMs = this.scaleOutBackoff.waitMs(this.clock.nowMs());
    if (waitMs > 0) {
      return this.sayOnce(
        'backing-off',
        `threshold reached, but backing off for another ${(waitMs / 1000).toFixed(1)}s after ${this.scaleOutBackoff.consecutiveFailures} failed scale-out(s)`,
      );
    }
    const cooldownMs = this.scaleOutCooldownRemainingMs();
    if (cooldownMs > 0) return this.sayOnce('cooldown', `threshold reached, but in the scale-out cooldown for another ${(cooldownMs / 1000).toFixed(1)}s (scaling.scaleOutCooldownMs)`);
    this.policy.reset();
    this.setDesired(this.desired + this.config.scaleOutStep, { source: 'policy', reason: trigger });
  }

  /**
   * Sets the desired count (clamped to min..max) and reconciles at once. Returns the count set.
   * Manual calls restart the policies' sustained windows so they do not undo it immediately.
   */
  setDesired(count: number, change: DesiredChange): number {
    const clamped = Math.min(Math.max(count, this.config.minInstances), this.config.maxInstances);
    const previous = this.desired;
    this.desired = clamped;
    // "Already at maxInstances" is said once per stay at the maximum.
    if (clamped < this.config.maxInstances) this.said.delete('at-capacity');
    if (change.source === 'manual') this.evaluator.restartWindows();
    if (previous !== clamped) {
      this.lastTrigger = change.reason;
      this.logger.log(`desired instances ${previous ?? '-'} -> ${clamped} (${change.source}: ${change.reason})`);
    }
    this.reconcile();
    return clamped;
  }

  /** Self-healing: take `instance` out now and start its replacement, keeping the desired count. */
  replace(instance: PoolInstance, reason: string, drain: boolean): void {
    if (instance.phase !== 'admitted') return;
    this.replacementsOwed++;
    this.logger.warn(`${instance.name} is being replaced: ${reason}`);
    this.track(this.removals.remove(instance, { kind: 'heal', trigger: reason, drain }));
    this.reconcile();
  }

  /** Manual removal: drain and delete `instance`; `replace` keeps the desired count (a new one takes its place). */
  removeInstance(instance: PoolInstance, replace: boolean, reason: string): Promise<RemovalEvent> {
    if (replace) this.replacementsOwed++;
    else if (this.desired !== undefined) this.desired = Math.max(this.config.minInstances, this.desired - 1);
    const done = this.removals.remove(instance, { kind: replace ? 'heal' : 'scale-in', trigger: reason, drain: true });
    this.track(done);
    this.reconcile();
    return done;
  }

  pause(reason: string): boolean {
    if (this.paused) return false;
    this.paused = true;
    this.logger.log(`autoscaling paused (${reason}): policies no longer change the desired count; healing and manual actions continue`);
    return true;
  }

  resume(reason: string): boolean {
    if (!this.paused) return false;
    this.paused = false;
    this.said.delete('paused');
    this.evaluator.restartWindows();
    this.logger.log(`autoscaling resumed (${reason})`);
    return true;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /**
   * Restart recovery is done: `adopt` are the group's servers worth keeping (ACTIVE or still
   * building). Each becomes an adoption run; the desired count is the original plus these.
   */
  recovered(adopt: readonly InstanceSnapshot[], summary: string): void {
    for (const snapshot of adopt) this.startRun('adoption', `found ${snapshot.status} in group ${this.providerConfig.group} at start-up`, snapshot.name, snapshot);
    this.setDesired(1 + adopt.length, { source: 'recovery', reason: summary });
  }

  get isRecovered(): boolean {
    return this.desired !== undefined;
  }

  get desiredCount(): number | undefined {
    return this.desired;
  }

  /**
   * Instances that exist or are being made (not those being removed): the pool's, every run in
   * progress, and the original's slot while it is being brought up.
   */
  actualCount(): number {
    // A run counts as one instance from its start to its end, whatever its instance's state in
    // the pool: before the create call answers, and while a failed one is being deleted (its
    // slot is given back in `finished`, together with the back-off, never before).
    const ofRuns = new Set<string>();
    for (const active of this.runs) if (active.run.instanceId) ofRuns.add(active.run.instanceId);
    let count = this.runs.size;
    for (const instance of this.pool.list()) if (instance.phase !== 'deleting' && !ofRuns.has(instance.id)) count++;
    return count + (this.original.holdsSlot() ? 1 : 0);
  }

  /** The first scale-out in progress, if any (the seed's single one). */
  inProgress(): ScaleEvent | undefined {
    return [...this.runs][0]?.run.event;
  }

  /** Finished scale-outs, replacements and adoptions, oldest first (at most 50). */
  events(): readonly ScaleEvent[] {
    return this.eventLog.recentScaleEvents();
  }

  backoff(): { consecutiveFailures: number; nextAllowedInMs: number } {
    return this.scaleOutBackoff.view(this.clock.nowMs());
  }

  /** Resolves when no scale-out (of any kind) is running any more; for tests and shutdown. */
  async settled(): Promise<void> {
    while (this.runs.size > 0) await Promise.all([...this.runs].map((active) => active.done));
  }

  /** Resolves when nothing is being added or removed. */
  async idle(): Promise<void> {
    while (this.runs.size > 0 || this.removals.inProgress > 0) {
      await this.settled();
      await this.removals.settled();
    }
  }

  statusView(): ScalingStatusView {
    const nowMs = this.clock.nowMs();
    return {
      autoscaling: this.paused ? 'paused' : 'active',
      recovered: this.isRecovered,
      desiredInstances: this.desired ?? null,
      actualInstances: this.actualCount(),
      servingInstances: this.pool.inRotation().length,
      minInstances: this.config.minInstances,
      maxInstances: this.config.maxInstances,
      policies: this.evaluator.views(),
      cooldowns: { scaleOutRemainingMs: this.scaleOutCooldownRemainingMs(), scaleInRemainingMs: this.scaleInCooldownRemainingMs() },
      backoff: { scaleOut: this.scaleOutBackoff.view(nowMs), replacement: this.replacementBackoff.view(nowMs) },
      replacementsOwed: this.replacementsOwed,
      inProgress: this.eventLog.inProgress(),
      pendingDeletes: this.deleter.pendingView(),
      events: this.eventLog.recent(),
    };
  }

  /** One evaluation: the target-tracking policies may move the desired count; then reconcile. */
  private evaluate(): void {
    if (this.desired !== undefined && !this.paused && this.evaluator.targetTrackingActive) this.applyPolicies(this.desired);
    this.reconcile();
  }

  private applyPolicies(desired: number): void {
    const { scaleOutTo, scaleInTo, verdicts } = this.evaluator.evaluate(this.pool.inRotation().length);
    const why = verdicts
      .map((verdict) => describeVerdict(verdict, verdict.policy === 'requests-per-second' ? this.config.targetRequestsPerSecond : this.config.targetInFlight, this.config.metricWindowMs))
      .join('; ');
    if (scaleOutTo !== undefined && scaleOutTo > desired) {
      if (desired >= this.config.maxInstances) return this.sayOnce('at-capacity', `policies want ${scaleOutTo} instances, but already at scaling.maxInstances=${this.config.maxInstances}: ${why}`);
      const cooldownMs = this.scaleOutCooldownRemainingMs();
      if (cooldownMs > 0) return this.sayOnce('cooldown', `policies want ${scaleOutTo} instances; scale-out cooldown for another ${(cooldownMs / 1000).toFixed(1)}s`);
      if (this.scaleOutBackoff.waitMs(this.clock.nowMs()) > 0) return;
      this.setDesired(desired + Math.min(this.config.scaleOutStep, scaleOutTo - desired), { source: 'policy', reason: why });
      return;
    }
    this.said.delete('cooldown');
    const floor = Math.max(scaleInTo ?? desired, this.config.minInstances);
    if (scaleInTo === undefined || floor >= desired) return;
    if (this.runs.size > 0 || this.removals.inProgress > 0 || this.scaleInCooldownRemainingMs() > 0) return;
    const sustainedS = (this.config.scaleIn.sustainedBelowTargetMs / 1000).toFixed(0);
    this.setDesired(desired - Math.min(this.config.scaleIn.step, desired - floor), {
      source: 'policy',
      reason: `for ${sustainedS}s the load fit on ${floor} instance(s) at or below target: ${why}`,
    });
  }

  /** Starts whatever brings the instances to the desired count. Synchronous up to each run's start (the gate closes before it returns). */
  private reconcile(): void {
    if (this.desired === undefined || this.shutdown.signal.aborted) return;
    const actual = this.actualCount();
    if (actual < this.desired) this.fill(this.desired - actual);
    else if (actual > this.desired) this.shrink(actual - this.desired);
  }

  private fill(missing: number): void {
    if (this.cloudApi.degraded) {
      return this.sayOnce('api-degraded', `${missing} instance(s) short of the desired ${this.desired}, but the cloud API is degraded: waiting until it answers`);
    }
    this.said.delete('api-degraded');
    for (let n = 0; n < missing; n++) {
      const kind: ScaleEventKind = this.replacementsOwed > 0 ? 'replacement' : 'scale-out';
      const backoff = kind === 'replacement' ? this.replacementBackoff : this.scaleOutBackoff;
      const waitMs = backoff.waitMs(this.clock.nowMs());
      if (waitMs > 0) {
        return this.sayOnce(`${kind}-backoff`, `${kind} waits another ${(waitMs / 1000).toFixed(1)}s after ${backoff.consecutiveFailures} failure(s) in a row`);
      }
      if (kind === 'replacement') this.replacementsOwed--;
      const trigger = kind === 'replacement' ? 'an instance was taken out by self-healing' : this.lastTrigger;
      this.startRun(kind, trigger, `${this.providerConfig.namePrefix}${randomBytes(4).toString('hex').slice(0, 5)}`);
    }
  }

  private shrink(excess: number): void {
    if (this.runs.size > 0) return; // first let what is being added arrive
    const victims = this.removals.choose(excess);
    if (victims.length === 0) {
      return this.sayOnce('no-victim', `${excess} instance(s) above the desired ${this.desired}, but none may be removed (scaling.scaleIn.protectOriginal, or not admitted yet)`);
    }
    for (const victim of victims) this.track(this.removals.remove(victim, { kind: 'scale-in', trigger: this.lastTrigger, drain: true }));
  }

  private startRun(kind: ScaleEventKind, trigger: string, name: string, existing?: InstanceSnapshot): void {
    const sequence = this.eventLog.nextSequence();
    if (kind === 'scale-out') {
      this.gate.close('scaling out: a new instance is being started, retry shortly');
      this.policy.reset();
    }
    const previouslyServing = this.selector.serving();
    const during = this.traffic.duringScaleOut === 'reject' ? `clients get 503 + Retry-After: ${this.config.retryAfterSeconds} until it ends` : `duringScaleOut=${this.traffic.duringScaleOut}`;
    this.logger.log(
      `${kind} #${sequence} triggered: ${trigger} (${this.actualCount()} of max ${this.config.maxInstances} instances)${kind === 'scale-out' ? `; ${during}` : ''}`,
    );
    const run = new ScaleOutRun(this.runDependencies, sequence, kind, trigger, name, existing);
    this.eventLog.started(run.event);
    const active: ActiveRun = {
      run,
      done: run
        .execute(this.shutdown.signal)
        .then((event) => {
          this.runs.delete(active);
          // Whatever happened, clients must not stay on 503.
          if (!this.scaleOutRunning()) this.gate.open();
          this.finished(event, previouslyServing);
        })
        .catch((error: unknown) => {
          this.runs.delete(active);
          if (!this.scaleOutRunning()) this.gate.open();
          this.logger.error(`${kind} #${sequence} bookkeeping failed: ${String(error)}`);
        }),
    };
    this.runs.add(active);
  }

  private finished(event: ScaleEvent, previouslyServing: PoolInstance[]): void {
    this.eventLog.finished(event);
    const nowMs = this.clock.nowMs();
    this.lastScaleEventEndedMs = nowMs;
    this.policy.reset();
    for (const key of ['backing-off', 'cooldown', 'scale-out-backoff', 'replacement-backoff']) this.said.delete(key);
    if (event.state === 'admitted') {
      (event.kind === 'replacement' ? this.replacementBackoff : this.scaleOutBackoff).succeeded();
      if (event.kind === 'scale-out') this.lastScaleOutEndedMs = nowMs;
      this.logger.log(`${event.kind} #${event.sequence} done in ${((event.totalMs ?? 0) / 1000).toFixed(2)}s: ${event.instanceName} at ${event.address} admitted; gate open`);
      // keepPreviousInstance is about the instance switched away from: it means nothing in pool mode, where all serve.
      if (event.kind === 'scale-out' && !this.config.keepPreviousInstance && this.traffic.mode === 'switch') {
        this.retire(previousServing(previouslyServing, event));
      }
      this.reconcile();
      return;
    }
    if (this.shutdown.signal.aborted) return;
    const failure = event.failure;
    const what = `${event.kind} #${event.sequence} failed in ${failure?.phase}: ${failure?.reason}; ${failure?.cleanup}`;
    if (failure?.cloudApiUnavailable) {
      // Not the instance's fault: owed again, retried as soon as the API answers, no back-off.
      if (event.kind === 'replacement') this.replacementsOwed++;
      else if (event.kind === 'adoption') this.lowerDesiredAfterFailure();
      this.logger.warn(`${what}; the cloud API was unavailable: retried when it answers`);
      this.reconcile();
      return;
    }
    if (event.kind === 'replacement') {
      this.replacementsOwed++;
      const waitMs = this.replacementBackoff.failed(nowMs);
      this.logger.warn(`${what}; next replacement no sooner than ${(waitMs / 1000).toFixed(1)}s from now (scaling.healing.backoff*)`);
      return;
    }
    this.lowerDesiredAfterFailure();
    if (event.kind === 'adoption') {
      this.logger.warn(`${what}; not counted any more`);
      return;
    }
    const backoffMs = this.scaleOutBackoff.failed(nowMs);
    this.logger.warn(`${what}; gate open, clients stay on the current instance; next attempt no sooner than ${(backoffMs / 1000).toFixed(1)}s from now`);
  }

  /** A failed scale-out or adoption gives its slot back: the policies decide again (seed: at the next threshold). */
  private lowerDesiredAfterFailure(): void {
    if (this.desired !== undefined) this.desired = Math.max(this.config.minInstances, this.desired - 1);
  }

  /**
   * keepPreviousInstance=false: clones we switched away from are drained (no new requests reach
   * them in switch mode; in-flight ones get up to scaling.scaleIn.drainTimeoutMs) and deleted, and
   * the desired count goes down with them. The original never is.
   */
  private retire(instances: PoolInstance[]): void {
    for (const instance of instances) {
      if (instance.role === 'original') {
        this.logger.log(`${instance.name} kept: the original is never deleted by the controller`);
        continue;
      }
      if (this.desired !== undefined) this.desired = Math.max(this.config.minInstances, this.desired - 1);
      this.track(this.removals.remove(instance, { kind: 'scale-in', trigger: 'scaling.keepPreviousInstance=false', drain: true }));
    }
  }

  private track(removal: Promise<RemovalEvent>): void {
    void removal.then(() => {
      this.lastScaleEventEndedMs = this.clock.nowMs();
      this.reconcile();
    });
  }

  private scaleOutRunning(): boolean {
    for (const active of this.runs) if (active.run.event.kind === 'scale-out') return true;
    return false;
  }

  private scaleOutCooldownRemainingMs(): number {
    return Math.max(0, Math.round(this.lastScaleOutEndedMs + this.config.scaleOutCooldownMs - this.clock.nowMs()));
  }

  private scaleInCooldownRemainingMs(): number {
    return Math.max(0, Math.round(this.lastScaleEventEndedMs + this.config.scaleInCooldownMs - this.clock.nowMs()));
  }

  private sayOnce(key: string, message: string): void {
    if (this.said.has(key)) return;
    this.said.add(key);
    this.logger.log(message);
  }

  private async every(intervalMs: number, work: () => void): Promise<void> {
    const signal = this.shutdown.signal;
    while (!signal.aborted) {
      try {
        await this.clock.sleep(intervalMs, signal);
      } catch {
        return;
      }
      try {
        work();
      } catch (error) {
        this.logger.error(`scaling evaluation failed: ${(error as Error).stack ?? String(error)}`);
      }
    }
  }
}

function previousServing(previouslyServing: PoolInstance[], event: ScaleEvent): PoolInstance[] {
  return previouslyServing.filter((instance) => instance.id !== event.instanceId);
}
