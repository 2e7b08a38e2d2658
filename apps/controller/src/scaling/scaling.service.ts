import { randomBytes } from 'node:crypto';
import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { HealthConfig } from '../config/health.config';
import { ProviderConfig } from '../config/provider.config';
import { ScalingConfig } from '../config/scaling.config';
import { TrafficConfig } from '../config/traffic.config';
import { DataPlaneConfig } from '../config/data-plane.config';
import { BackendReadiness } from '../health/backend-readiness';
import { instanceFields } from '../pool/instance-lifecycle';
import { InstancePool } from '../pool/instance-pool';
import { PoolInstance } from '../pool/pool-instance';
import { TRAFFIC_SELECTOR, TrafficSelector } from '../pool/traffic-selector';
import { CloudApiHealth } from '../providers/cloud-api-health';
import { PlacementState } from '../providers/placement/placement-state';
import { CapacityBounds } from './schedule/capacity-bounds';
import { Clock, CLOCK } from '../clock/clock';
import {
  INSTANCE_PROVIDER,
  InstanceProvider,
  InstanceSnapshot,
} from '../providers/instance-provider';
import { Leadership, LEADERSHIP, SINGLE_CONTROLLER } from '../seams/leadership';
import { FailureBackoff, repeatEvery } from '../resilience/backoff';
import { InstanceDeleter } from './instance-deleter';
import { InstanceLaunch, LaunchDependencies, LaunchImage } from './instance-launch';
import { OnceLog } from './once-log';
import { OriginalInstanceService } from './original-instance.service';
import {
  describeVerdict,
  IN_FLIGHT_SAMPLE_INTERVAL_MS,
  PolicyEvaluator,
} from './policies/policy-evaluator';
import { RequestCountPolicy } from './request-count-policy';
import { InstanceRemovalService } from './scale-in/instance-removal.service';
import { ScaleOutGate } from './scale-out-gate';
import {
  clampDesired,
  decideOnPolicies,
  decideOnThreshold,
  HOLD_RESET_POINTS,
  HoldCondition,
  planReconcile,
  ReconcilePlan,
  ScalingDecision,
  ScalingSnapshot,
} from './scaling-decisions';
import { LaunchEvent, LaunchKind, RemovalEvent } from './scaling-event';
import { ScalingEventLog } from './scaling-event-log';
import { WarmPoolService } from './warm-pool/warm-pool.service';
import { whileScalingAnswer } from './while-scaling-answer';
import {
  backoffView,
  BackoffView,
  projectScalingStatus,
  ScalingStatusView,
} from './scaling-status';

interface ActiveLaunch {
  readonly launch: InstanceLaunch;
  readonly done: Promise<void>;
}

/** Why the desired count changed (for the log line and the trigger of the events it causes). */
export interface DesiredChange {
  readonly source: 'policy' | 'manual' | 'recovery' | 'failure' | 'schedule';
  readonly reason: string;
}

/**
 * The reconciler: keeps the number of instances at the desired count by carrying out the pure
 * decisions of scaling-decisions.ts (why to scale is decided there, not here). The desired count
 * is moved by the policies (request count on the data path, target tracking every
 * evaluationIntervalMs), by manual actions and by restart recovery; `reconcile` then starts
 * launches (new instances, replacements, adoptions) or removals until what exists matches.
 *
 * The data path (`countRequest`) only counts and decides: when a request reaches the threshold
 * it closes the gate (so that very request is answered 503, as in the seed) and asks for a
 * reconcile on a later tick (Clock.defer). The reconciler never runs inside a request handler,
 * so a control-plane exception cannot become a 500 on the data path.
 */
@Injectable()
export class ScalingService
  implements OnApplicationBootstrap, OnModuleDestroy, BeforeApplicationShutdown
{
  private readonly logger = new Logger('Scaling');
  private readonly once = new OnceLog<HoldCondition>(this.logger);
  private readonly shutdown = new AbortController();
  private readonly launches = new Set<ActiveLaunch>();
  private readonly launchDependencies: LaunchDependencies;
  private readonly scaleOutBackoff: FailureBackoff;
  private readonly replacementBackoff: FailureBackoff;
  private desired: number | undefined;
  private paused = false;
  private replacementsOwed = 0;
  private lastTrigger = 'desired count raised';
  private lastScaleOutEndedMs = Number.NEGATIVE_INFINITY;
  private lastScaleEventEndedMs = Number.NEGATIVE_INFINITY;
  /** A scale-out decided on the data path whose launch the next reconcile tick starts. */
  private scaleOutDecided = false;
  private reconcileScheduled = false;
  private loops: Promise<void>[] = [];

  constructor(
    private readonly config: ScalingConfig,
    private readonly traffic: TrafficConfig,
    private readonly dataPlane: DataPlaneConfig,
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
    private readonly bounds: CapacityBounds,
    private readonly placement: PlacementState,
    warmPool: WarmPoolService,
    @Inject(LEADERSHIP) private readonly leadership: Leadership = SINGLE_CONTROLLER,
  ) {
    this.launchDependencies = {
      provider,
      readiness,
      pool,
      clock,
      scaling: config,
      health,
      logger: new Logger('ScaleOut'),
      deleter,
      warmPool,
    };
    this.scaleOutBackoff = new FailureBackoff(
      config.failureBackoffInitialMs,
      config.failureBackoffMaxMs,
    );
    this.replacementBackoff = new FailureBackoff(
      config.healing.backoffInitialMs,
      config.healing.backoffMaxMs,
    );
  }

  onApplicationBootstrap(): void {
    this.cloudApi.events.on('recovered', () => this.reconcile());
    this.placement.events.on('cleared', () => {
      this.once.resolved(HOLD_RESET_POINTS.capacityFreed);
      this.reconcile();
    });
    this.loops.push(this.every(this.config.evaluationIntervalMs, () => this.evaluate()));
    if (this.evaluator.inFlightActive)
      this.loops.push(
        this.every(IN_FLIGHT_SAMPLE_INTERVAL_MS, () => this.evaluator.sampleInFlight()),
      );
  }

  /** The first shutdown hook Nest calls: from here on nothing new starts (no scale-out, replacement or heal). */
  onModuleDestroy(): void {
    this.stop('the controller is shutting down');
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stop('the controller is shutting down');
    await Promise.all(this.loops);
    await this.settled();
  }

  /**
   * From the first shutdown signal: no launch, replacement or heal may start, and launches in
   * progress end as `stopped` (not failed). Idempotent; main.ts calls it on the signal itself.
   */
  stop(reason: string): void {
    if (this.shutdown.signal.aborted) return;
    this.logger.log(`${reason}: no scale-out, replacement or heal starts from now on`);
    this.shutdown.abort();
  }

  get isStopping(): boolean {
    return this.shutdown.signal.aborted;
  }

  /**
   * The data path: called synchronously for every request that is about to be served. Counts it;
   * when this request is the N-th since the last scale event and the decision is to scale out,
   * the gate closes before this returns (so this very request is answered 503, seed: request 10)
   * and the launch starts on the reconciler's own tick. Never throws.
   */
  countRequest(): void {
    try {
      this.evaluator.recordRequest();
      if (!this.evaluator.requestCountActive || !this.policy.count() || this.scaleOutRunning())
        return;
      const decision = decideOnThreshold(
        this.snapshot(),
        { counted: this.policy.counted, threshold: this.policy.threshold },
        this.clock.nowMs(),
      );
      if (decision.kind === 'hold') this.once.say(decision.condition, decision.why);
      if (decision.kind !== 'set-desired') return;
      this.policy.reset();
      this.changeDesired(decision.to, { source: 'policy', reason: decision.reason });
      const plan = planReconcile(this.snapshot(), this.clock.nowMs());
      if (plan.kind === 'launch' && plan.launches.includes('scale-out')) {
        this.scaleOutDecided = true;
        this.gate.close('scaling out: a new instance is being started, retry shortly');
      }
      this.scheduleReconcile();
    } catch (error) {
      this.logger.error(
        `counting a request for scaling failed (the request is served as if nothing happened): ${(error as Error).stack ?? String(error)}`,
      );
    }
  }

  /**
   * Sets the desired count (clamped to min..max) and reconciles at once. Returns the count set.
   * Manual calls restart the policies' sustained windows so they do not undo it immediately.
   */
  setDesired(count: number, change: DesiredChange): number {
    const clamped = this.changeDesired(count, change);
    this.reconcile();
    return clamped;
  }

  /** Self-healing: take `instance` out now and start its replacement, keeping the desired count. */
  replace(instance: PoolInstance, reason: string, drain: boolean): void {
    if (instance.phase !== 'admitted') return;
    if (this.isStopping) {
      // Instances exit with the controller (a signal to the whole process group): not a failure.
      this.logger.log(`${instance.name} stopped during shutdown (${reason}): not replaced`);
      return;
    }
    this.replacementsOwed++;
    this.logger.warn(`${instance.name} is being replaced: ${reason}`);
    this.track(this.removals.remove(instance, { kind: 'heal', trigger: reason, drain }));
    this.reconcile();
  }

  /** Manual removal: drain and delete `instance`; `replace` keeps the desired count (a new one takes its place). */
  removeInstance(instance: PoolInstance, replace: boolean, reason: string): Promise<RemovalEvent> {
    if (replace) this.replacementsOwed++;
    else if (this.desired !== undefined)
      this.desired = Math.max(this.bounds.minInstances, this.desired - 1);
    const done = this.removals.remove(instance, {
      kind: replace ? 'heal' : 'scale-in',
      trigger: reason,
      drain: true,
    });
    if (!replace) this.scaleInStarted();
    this.track(done);
    this.reconcile();
    return done;
  }

  /**
   * Instance refresh (refresh/): one more instance, from `image`, on top of the desired count
   * (its slot is given back by `retire` of the old one it replaces, or when it fails). Resolves
   * when the launch ended (`admitted`, `failed` or `stopped`).
   */
  launchFromImage(trigger: string, image: LaunchImage): Promise<LaunchEvent> {
    if (this.isStopping || this.desired === undefined)
      return Promise.reject(
        new Error(
          this.isStopping ? 'the controller is shutting down' : 'restart recovery has not finished',
        ),
      );
    this.desired++;
    return this.startLaunch(
      'refresh',
      trigger,
      `${this.providerConfig.namePrefix}${randomBytes(4).toString('hex').slice(0, 5)}`,
      undefined,
      image,
    );
  }

  /** Instance refresh: drain and delete `instance` (an old one replaced, or a rejected canary), giving its slot back. */
  retireForRefresh(
    instance: PoolInstance,
    kind: 'replaced' | 'rollback',
    reason: string,
  ): Promise<RemovalEvent> {
    if (this.desired !== undefined) this.desired = Math.max(1, this.desired - 1);
    const done = this.removals.remove(instance, { kind, trigger: reason, drain: true });
    this.track(done);
    return done;
  }

  pause(reason: string): boolean {
    if (this.paused) return false;
    this.paused = true;
    this.logger.log(
      `autoscaling paused (${reason}): policies no longer change the desired count; healing and manual actions continue`,
    );
    return true;
  }

  resume(reason: string): boolean {
    if (!this.paused) return false;
    this.paused = false;
    this.once.resolved(HOLD_RESET_POINTS.resumed);
    this.evaluator.restartWindows();
    this.logger.log(`autoscaling resumed (${reason})`);
    return true;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /**
   * Restart recovery is done: `adopt` are the group's servers worth keeping (ACTIVE or still
   * building). Each becomes an adoption; the desired count is the original plus these.
   */
  recovered(adopt: readonly InstanceSnapshot[], summary: string): void {
    if (this.isStopping) return;
    for (const snapshot of adopt)
      this.startLaunch(
        'adoption',
        `found ${snapshot.status} in group ${this.providerConfig.group} at start-up`,
        snapshot.name,
        snapshot,
      );
    this.setDesired(1 + adopt.length, { source: 'recovery', reason: summary });
  }

  get isRecovered(): boolean {
    return this.desired !== undefined;
  }

  /** Restart recovery's adoptions still being brought in (a data plane that outlives us waits for them). */
  get isAdopting(): boolean {
    return [...this.launches].some((active) => active.launch.event.kind === 'adoption');
  }

  get desiredCount(): number | undefined {
    return this.desired;
  }

  /**
   * Instances that exist or are being made (not those being removed): the pool's, every launch in
   * progress, and the original's slot while it is being brought up.
   */
  actualCount(): number {
    // A launch counts as one instance from its start to its end, whatever its instance's state in
    // the pool: before the create call answers, and while a failed one is being deleted (its
    // slot is given back in `finished`, together with the back-off, never before).
    const ofLaunches = new Set<string>();
    for (const active of this.launches)
      if (active.launch.instanceId) ofLaunches.add(active.launch.instanceId);
    let count = this.launches.size;
    for (const instance of this.pool.list())
      if (instance.phase !== 'deleting' && !ofLaunches.has(instance.id)) count++;
    return count + (this.original.holdsSlot() ? 1 : 0);
  }

  /** The first launch in progress, if any (the seed's single scale-out). */
  inProgress(): LaunchEvent | undefined {
    return [...this.launches][0]?.launch.event;
  }

  /** Finished launches (scale-outs, replacements, adoptions), oldest first (at most 50). */
  events(): readonly LaunchEvent[] {
    return this.eventLog.recentLaunchEvents();
  }

  backoff(): BackoffView {
    return backoffView(this.scaleOutBackoff.state(), this.clock.nowMs());
  }

  /** Resolves when no launch (of any kind) is running any more; for tests and shutdown. */
  async settled(): Promise<void> {
    while (this.launches.size > 0)
      await Promise.all([...this.launches].map((active) => active.done));
  }

  /** Resolves when nothing is being added or removed. */
  async idle(): Promise<void> {
    while (this.launches.size > 0 || this.removals.inProgress > 0 || this.reconcileScheduled) {
      if (this.reconcileScheduled) await new Promise<void>((resolve) => this.clock.defer(resolve));
      await this.settled();
      await this.removals.settled();
    }
  }

  /** Everything the decisions look at, now. */
  snapshot(): ScalingSnapshot {
    return {
      desired: this.desired,
      paused: this.paused,
      stopping: this.isStopping,
      minInstances: this.bounds.minInstances,
      maxInstances: this.bounds.maxInstances,
      scaleOutStep: this.config.scaleOutStep,
      scaleInStep: this.config.scaleIn.step,
      actual: this.actualCount(),
      launchesRunning: this.launches.size,
      removalsRunning: this.removals.inProgress,
      replacementsOwed: this.replacementsOwed,
      cloudApiDegraded: this.cloudApi.degraded,
      scaleOutBackoff: this.scaleOutBackoff.state(),
      replacementBackoff: this.replacementBackoff.state(),
      lastScaleOutEndedMs: this.lastScaleOutEndedMs,
      lastScaleEventEndedMs: this.lastScaleEventEndedMs,
      scaleOutCooldownMs: this.config.scaleOutCooldownMs,
      scaleInCooldownMs: this.config.scaleInCooldownMs,
      capacityBlock: this.placement.block?.message,
    };
  }

  statusView(): ScalingStatusView {
    return projectScalingStatus(
      this.snapshot(),
      {
        servingInstances: this.pool.inRotation().length,
        policies: this.evaluator.views(),
        inProgress: this.eventLog.inProgress(),
        pendingDeletes: this.deleter.pendingView(),
        events: this.eventLog.recent(),
      },
      this.clock.nowMs(),
    );
  }

  /** One evaluation: the target-tracking policies may move the desired count; then reconcile. */
  private evaluate(): void {
    if (this.desired !== undefined && !this.paused && this.evaluator.targetTrackingActive) {
      const { scaleOutTo, scaleInTo, verdicts } = this.evaluator.evaluate(
        this.pool.inRotation().length,
      );
      const why = verdicts
        .map((verdict) =>
          describeVerdict(
            verdict,
            verdict.policy === 'requests-per-second'
              ? this.config.targetRequestsPerSecond
              : this.config.targetInFlight,
            this.config.metricWindowMs,
          ),
        )
        .join('; ');
      const decision = decideOnPolicies(
        this.snapshot(),
        {
          scaleOutTo,
          scaleInTo,
          why,
          sustainedBelowTargetMs: this.config.scaleIn.sustainedBelowTargetMs,
        },
        this.clock.nowMs(),
      );
      this.apply(decision);
      return;
    }
    this.reconcile();
  }

  /** Carries out a decision about the desired count. */
  private apply(decision: ScalingDecision): void {
    if (decision.resolved) this.once.resolved(decision.resolved);
    if (decision.kind === 'hold') this.once.say(decision.condition, decision.why);
    if (decision.kind === 'set-desired')
      this.setDesired(decision.to, { source: 'policy', reason: decision.reason });
    else this.reconcile();
  }

  private changeDesired(count: number, change: DesiredChange): number {
    const clamped = clampDesired(this.bounds, count);
    const previous = this.desired;
    this.desired = clamped;
    if (clamped < this.bounds.maxInstances) this.once.resolved(HOLD_RESET_POINTS.belowCapacity);
    if (change.source === 'manual') this.evaluator.restartWindows();
    if (previous === clamped) return clamped;
    this.lastTrigger = change.reason;
    if (previous === undefined) {
      // Start-up: the first desired count comes from restart recovery, whose reason says so.
      this.logger.log(
        `desired instances: ${clamped} (${change.source === 'recovery' ? change.reason : `${change.source}: ${change.reason}`})`,
      );
    } else {
      this.logger.log(
        `desired instances ${previous} -> ${clamped} (${change.source}: ${change.reason})`,
      );
    }
    return clamped;
  }

  /** The reconciler's own tick, asked for from the data path: runs after the request handler returned. */
  private scheduleReconcile(): void {
    if (this.reconcileScheduled) return;
    this.reconcileScheduled = true;
    this.clock.defer(() => {
      this.reconcileScheduled = false;
      this.scaleOutDecided = false;
      this.reconcile();
      // A scale-out decided on the data path that did not start must not leave clients on 503.
      if (!this.scaleOutRunning()) this.gate.open();
    });
  }

  /**
   * Starts whatever brings the instances to the desired count (the plan of planReconcile). A bug
   * here is logged, and the gate is not left closed by a launch that never started.
   */
  private reconcile(): void {
    if (!this.leadership.isLeader()) return; // a standby decides nothing (seams/leadership.ts)
    try {
      this.carryOut(planReconcile(this.snapshot(), this.clock.nowMs()));
    } catch (error) {
      this.logger.error(`reconcile failed: ${(error as Error).stack ?? String(error)}`);
      if (!this.scaleOutRunning()) this.gate.open();
    }
  }

  private carryOut(plan: ReconcilePlan): void {
    switch (plan.kind) {
      case 'hold':
        this.once.say(plan.condition, plan.why);
        return;
      case 'launch':
        this.once.resolved(plan.resolved);
        for (const kind of plan.launches) {
          if (kind === 'replacement') this.replacementsOwed--;
          const trigger =
            kind === 'replacement' ? 'an instance was taken out by self-healing' : this.lastTrigger;
          this.startLaunch(
            kind,
            trigger,
            `${this.providerConfig.namePrefix}${randomBytes(4).toString('hex').slice(0, 5)}`,
          );
        }
        if (plan.then) this.once.say(plan.then.condition, plan.then.why);
        return;
      case 'shrink':
        return this.shrink(plan.count);
      default:
        return;
    }
  }

  private shrink(excess: number): void {
    const victims = this.removals.choose(excess);
    if (victims.length === 0) {
      this.once.say(
        'no-victim',
        `${excess} instance(s) above the desired ${this.desired}, but none may be removed (scaling.scaleIn.protectOriginal, or not admitted yet)`,
      );
      return;
    }
    for (const victim of victims)
      this.track(
        this.removals.remove(victim, { kind: 'scale-in', trigger: this.lastTrigger, drain: true }),
      );
    this.scaleInStarted();
  }

  /** A scale-in is a scale event: the request count starts again (README "since the last scale event"). */
  private scaleInStarted(): void {
    this.policy.reset();
  }

  private startLaunch(
    kind: LaunchKind,
    trigger: string,
    name: string,
    existing?: InstanceSnapshot,
    image?: LaunchImage,
  ): Promise<LaunchEvent> {
    const sequence = this.eventLog.nextSequence();
    if (kind === 'scale-out') {
      this.gate.close('scaling out: a new instance is being started, retry shortly');
      this.policy.reset();
    }
    const previouslyServing = this.selector.serving();
    const during = whileScalingAnswer(this.dataPlane, this.traffic, this.config.retryAfterSeconds);
    this.logger.log({
      msg: `${kind} triggered`,
      event: kind,
      sequence,
      instanceName: name,
      trigger,
      instances: this.actualCount(),
      maxInstances: this.bounds.maxInstances,
      ...(kind === 'scale-out' ? { duringScaleOut: during } : {}),
    });
    const launch = new InstanceLaunch(
      this.launchDependencies,
      sequence,
      kind,
      trigger,
      name,
      existing,
      image,
    );
    this.eventLog.started(launch.event);
    const active: ActiveLaunch = {
      launch,
      done: launch
        .execute(this.shutdown.signal)
        .then((event) => {
          this.launches.delete(active);
          // Whatever happened, clients must not stay on 503.
          if (!this.scaleOutRunning()) this.gate.open();
          this.finished(event, previouslyServing);
        })
        .catch((error: unknown) => {
          this.launches.delete(active);
          if (!this.scaleOutRunning()) this.gate.open();
          this.logger.error({
            msg: 'launch bookkeeping failed',
            event: kind,
            sequence,
            err: error,
          });
        }),
    };
    this.launches.add(active);
    return active.done.then(() => launch.event);
  }

  private finished(event: LaunchEvent, previouslyServing: PoolInstance[]): void {
    this.eventLog.finished(event);
    const nowMs = this.clock.nowMs();
    this.lastScaleEventEndedMs = nowMs;
    this.policy.reset();
    this.once.resolved(HOLD_RESET_POINTS.launchFinished);
    if (event.state === 'admitted') {
      (event.kind === 'replacement' ? this.replacementBackoff : this.scaleOutBackoff).succeeded();
      if (event.kind === 'scale-out') this.lastScaleOutEndedMs = nowMs;
      this.logger.log({
        msg: `${event.kind} done: instance admitted, gate open`,
        ...instanceFields(event),
        phase: 'admitted',
        elapsedMs: event.totalMs ?? 0,
      });
      // keepPreviousInstance is about the instance switched away from: it means nothing in pool mode, where all serve.
      if (
        event.kind === 'scale-out' &&
        !this.config.keepPreviousInstance &&
        this.traffic.mode === 'switch'
      ) {
        this.retire(previouslyServing.filter((instance) => instance.id !== event.instanceId));
      }
      this.reconcile();
      return;
    }
    if (this.isStopping) return;
    const failure = event.failure;
    const what = {
      ...instanceFields(event),
      phase: 'failed',
      failedIn: failure?.phase,
      reason: failure?.reason,
      cleanup: failure?.cleanup,
      elapsedMs: event.totalMs,
    };
    const block = this.placement.block;
    if (block && event.kind !== 'adoption') {
      // A quota or NoValidHost for a hard group: not the instance's fault, and trying again now
      // fails the same way. Still owed; held (said once) until capacity changes, no back-off.
      if (event.kind === 'replacement') this.replacementsOwed++;
      this.logger.warn({
        msg: `${event.kind} held until capacity changes (${block.kind}, said by Placement)`,
        ...what,
      });
      this.reconcile();
      return;
    }
    if (failure?.cloudApiUnavailable) {
      // Not the instance's fault: owed again, retried as soon as the API answers, no back-off.
      if (event.kind === 'replacement') this.replacementsOwed++;
      else if (event.kind === 'adoption' || event.kind === 'refresh')
        this.lowerDesiredAfterFailure();
      this.logger.warn({
        msg: `${event.kind} failed: the cloud API was unavailable, retried when it answers`,
        ...what,
      });
      this.reconcile();
      return;
    }
    if (event.kind === 'replacement') {
      this.replacementsOwed++;
      const waitMs = this.replacementBackoff.failed(nowMs);
      this.logger.warn({
        msg: `${event.kind} failed: next replacement after the back-off (scaling.healing.backoff*)`,
        ...what,
        nextAttemptInMs: waitMs,
      });
      return;
    }
    this.lowerDesiredAfterFailure();
    if (event.kind === 'adoption' || event.kind === 'refresh') {
      // A refresh launch's failure is the refresh's verdict (refresh/), not a scale-out back-off.
      this.logger.warn({ msg: `${event.kind} failed: not counted any more`, ...what });
      return;
    }
    const backoffMs = this.scaleOutBackoff.failed(nowMs);
    this.logger.warn({
      msg: `${event.kind} failed: gate open, clients stay on the current instance until the next attempt`,
      ...what,
      nextAttemptInMs: backoffMs,
    });
  }

  /** A failed scale-out or adoption gives its slot back: the policies decide again (seed: at the next threshold). */
  private lowerDesiredAfterFailure(): void {
    if (this.desired !== undefined)
      this.desired = Math.max(this.bounds.minInstances, this.desired - 1);
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
      if (this.desired !== undefined)
        this.desired = Math.max(this.bounds.minInstances, this.desired - 1);
      this.track(
        this.removals.remove(instance, {
          kind: 'scale-in',
          trigger: 'scaling.keepPreviousInstance=false',
          drain: true,
        }),
      );
    }
  }

  private track(removal: Promise<RemovalEvent>): void {
    void removal
      .then((event) => {
        this.lastScaleEventEndedMs = this.clock.nowMs();
        if (event.kind === 'scale-in') this.policy.reset();
        this.reconcile();
      })
      // A removal that throws (a bug in a pool listener, say) is logged: an unhandled rejection would end the process and the data path with it.
      .catch((error: unknown) =>
        this.logger.error(`removal failed: ${(error as Error).stack ?? String(error)}`),
      );
  }

  private scaleOutRunning(): boolean {
    if (this.scaleOutDecided) return true;
    for (const active of this.launches) if (active.launch.event.kind === 'scale-out') return true;
    return false;
  }

  /** Periodic work on the Clock (not @nestjs/schedule: see docs/architecture.md "Design-card packages"). */
  private every(intervalMs: number, work: () => void): Promise<void> {
    return repeatEvery(this.clock, intervalMs, this.shutdown.signal, work, (error) =>
      this.logger.error(`scaling evaluation failed: ${(error as Error).stack ?? String(error)}`),
    );
  }
}
