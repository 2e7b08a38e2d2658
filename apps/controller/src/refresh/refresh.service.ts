import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { Clock, CLOCK } from '../clock/clock';
import { RefreshConfig } from '../config/refresh.config';
import { ScalingConfig } from '../config/scaling.config';
import { CanaryRouting } from '../pool/canary-traffic-selector';
import { isFinalRefreshState, nextRefreshState, RefreshState } from '../pool/instance-lifecycle';
import { InstancePool } from '../pool/instance-pool';
import { PoolInstance } from '../pool/pool-instance';
import { GoldenImagePin } from '../providers/golden-image-pin';
import {
  INSTANCE_PROVIDER,
  InstanceProvider,
  InstanceSnapshot,
  METADATA_IMAGE_KEY,
} from '../providers/instance-provider';
import { repeatEvery } from '../resilience/backoff';
import { LaunchEvent } from '../scaling/scaling-event';
import { ScalingService } from '../scaling/scaling.service';
import { CanaryObserver } from './canary-observer';
import {
  CanaryVerdict,
  formatCheckpoint,
  judgeCanary,
  newRefreshId,
  parseCheckpoint,
  planBatch,
  REFRESH_METADATA_KEY,
  REFRESH_REJECTED_METADATA_KEY,
  RefreshCheckpoint,
  resumePoint,
  TrafficSample,
} from './refresh-decisions';

/** How a refresh was started. */
export type RefreshTrigger = 'bake' | 'manual' | 'resumed';

/** One refresh as /status, the v1 API, the dashboard and `osa refresh status` show it. */
export interface RefreshView {
  readonly id: string;
  readonly state: RefreshState;
  readonly trigger: RefreshTrigger;
  readonly fromImageId: string | null;
  readonly toImageId: string;
  readonly startedAt: string;
  finishedAt: string | null;
  /** Old clones at the start, and how many have been replaced so far. */
  readonly total: number;
  replaced: number;
  canary: {
    instanceId: string | null;
    instanceName: string | null;
    weight: number;
    windowMs: number;
    /** ms of the window behind it (0 before the canary is admitted). */
    observedMs: number;
    sample: TrafficSample | null;
    baseline: TrafficSample | null;
    verdict: string | null;
  };
  /** Why it paused, rolled back, was cancelled or ended (also in the log). */
  reason: string | null;
}

export interface RefreshStatus {
  readonly current: RefreshView | null;
  /** The last few finished ones, newest last. */
  readonly history: readonly RefreshView[];
  /** The image new instances start from when pinned (after a rollback, a cancel, or a refresh to a named image). */
  readonly pinnedImageId: string | null;
  readonly pinReason: string | null;
  readonly rejectedImageIds: readonly string[];
}

/** A request the operator made that cannot be done now (HTTP 409 with this message). */
export class RefreshConflictError extends Error {
  override readonly name = 'RefreshConflictError';
}

const HISTORY_KEPT = 10;
/** How often a canary is judged, at most (the window is also checked at its end). */
const JUDGE_EVERY_MS = 1_000;
/** How often a paused refresh checks for resume/cancel. */
const PAUSE_POLL_MS = 250;

class Cancelled extends Error {}

/**
 * Instance refresh (golden-image rollout): replaces the group's clones by instances of a newer
 * image, a canary first, then batches (README "Instance refresh"; states in
 * pool/instance-lifecycle.ts `RefreshState`). Every "why" is a pure function of
 * refresh-decisions.ts; this service only carries them out through the scaler (launches and
 * drains go through ScalingService like any other, so the desired count stays true), and keeps
 * its checkpoints in the servers' metadata, so a restarted controller resumes from the cloud.
 */
@Injectable()
export class RefreshService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Refresh');
  private readonly shutdown = new AbortController();
  private current: RefreshView | undefined;
  private running: Promise<void> | undefined;
  private readonly history: RefreshView[] = [];
  private readonly rejected = new Set<string>();
  private pauseRequested = false;
  private cancelRequested: string | undefined;
  private resumeChecked = false;
  private lastResolvedImageId: string | undefined;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly config: RefreshConfig,
    private readonly scalingConfig: ScalingConfig,
    private readonly scaling: ScalingService,
    private readonly pool: InstancePool,
    private readonly routing: CanaryRouting,
    private readonly observer: CanaryObserver,
    private readonly pin: GoldenImagePin,
    @Inject(INSTANCE_PROVIDER) private readonly provider: InstanceProvider,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    const intervalMs = Math.min(this.config.imageCheckIntervalMs, 1_000);
    // The first bake check a full interval after start-up: recovery has just listed the group.
    let sinceImageCheckMs = 0;
    this.loop = repeatEvery(
      this.clock,
      intervalMs,
      this.shutdown.signal,
      async (signal) => {
        // Also the leadership gate: a standby is never recovered (recovery waits for the election),
        // and a leader that loses the lease exits.
        if (!this.scaling.isRecovered || this.running) return;
        if (!this.resumeChecked) {
          this.resumeChecked = true;
          await this.resumeFromCheckpoints(signal);
          return;
        }
        sinceImageCheckMs += intervalMs;
        if (!this.config.autoStart || sinceImageCheckMs < this.config.imageCheckIntervalMs) return;
        sinceImageCheckMs = 0;
        await this.checkForBake(signal);
      },
      (error) => this.logger.error(`refresh check failed: ${(error as Error).message}`),
    );
  }

  async onModuleDestroy(): Promise<void> {
    this.shutdown.abort();
    await this.loop;
    await this.running;
  }

  status(): RefreshStatus {
    // While the canary is being judged, its figures as of now; afterwards the last ones judged stay.
    if (
      this.current?.canary.instanceId &&
      this.routing.instanceId === this.current.canary.instanceId
    )
      this.refreshCanaryFigures(this.current);
    return {
      current: this.current ?? null,
      history: [...this.history],
      pinnedImageId: this.pin.imageId ?? null,
      pinReason: this.pin.reason ?? null,
      rejectedImageIds: [...this.rejected],
    };
  }

  /** `osa refresh start --image ID` (or a bake noticed): throws RefreshConflictError when one is running. */
  async start(toImageId: string, trigger: RefreshTrigger): Promise<RefreshView> {
    if (this.running)
      throw new RefreshConflictError(
        `refresh ${this.current?.id} is ${this.current?.state}: cancel it first (osa refresh cancel)`,
      );
    if (!this.scaling.isRecovered)
      throw new RefreshConflictError(
        'the controller is still listing its group after start-up; try again shortly',
      );
    if (this.scaling.isStopping) throw new RefreshConflictError('the controller is shutting down');
    const group = await this.provider.listGroup(this.shutdown.signal);
    const from = this.fromImage(group, toImageId);
    this.rejected.delete(toImageId);
    const desired = this.scaling.desiredCount ?? 1;
    return this.begin(
      {
        refreshId: newRefreshId(this.clock.now()),
        step: 'canary',
        fromImageId: from,
        toImageId,
        desired,
      },
      trigger,
      imagesOf(group),
      undefined,
    );
  }

  pause(reason: string): RefreshView {
    const run = this.requireRunning('pause');
    if (run.state === 'paused' || this.pauseRequested)
      throw new RefreshConflictError(`refresh ${run.id} is already paused`);
    if (run.state === 'rolling-back')
      throw new RefreshConflictError(`refresh ${run.id} is rolling back; it cannot be paused`);
    this.pauseRequested = true;
    this.logger.log(
      `refresh ${run.id}: pause requested (${reason}); the batch in progress finishes first`,
    );
    return run;
  }

  resume(reason: string): RefreshView {
    const run = this.requireRunning('resume');
    if (run.state !== 'paused' && !this.pauseRequested)
      throw new RefreshConflictError(`refresh ${run.id} is ${run.state}, not paused`);
    this.pauseRequested = false;
    this.logger.log(`refresh ${run.id}: resume requested (${reason})`);
    return run;
  }

  cancel(reason: string): RefreshView {
    const run = this.requireRunning('cancel');
    if (run.state === 'rolling-back')
      throw new RefreshConflictError(`refresh ${run.id} is already rolling back`);
    this.cancelRequested = reason;
    this.logger.log(
      `refresh ${run.id}: cancel requested (${reason}); instances already replaced stay, a canary being judged is drained and deleted`,
    );
    return run;
  }

  /** Resolves when no refresh is running (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  // ---------------------------------------------------------------------------------------------

  private async checkForBake(signal: AbortSignal): Promise<void> {
    const golden = await this.provider.resolveGoldenImage(signal);
    const previous = this.lastResolvedImageId;
    this.lastResolvedImageId = golden.id;
    if (!golden.id || this.rejected.has(golden.id)) return;
    // With an image pinned (rollback, cancel, a named image) only a new bake starts a refresh by itself.
    if (this.pin.imageId !== undefined && (previous === undefined || previous === golden.id))
      return;
    const group = await this.provider.listGroup(signal);
    const stale = this.oldClones(group, golden.id);
    if (stale.length === 0) return;
    this.logger.log(
      `a newer golden image appeared: ${golden.description}; ${stale.length} clone(s) run another image: starting a refresh (refresh.autoStart)`,
    );
    await this.start(golden.id, 'bake');
  }

  /** After a restart: the group's metadata says whether a refresh was under way, and which images were rejected. */
  private async resumeFromCheckpoints(signal: AbortSignal): Promise<void> {
    const group = await this.provider.listGroup(signal);
    const point = resumePoint(group);
    for (const id of point.rejectedImageIds) this.rejected.add(id);
    if (point.rejectedImageIds.length > 0) {
      const survivorImage = group.find((server) => server.metadata[REFRESH_REJECTED_METADATA_KEY])
        ?.metadata[METADATA_IMAGE_KEY];
      if (survivorImage)
        this.pin.pin(
          survivorImage,
          `image(s) ${point.rejectedImageIds.join(', ')} were rolled back before the restart`,
        );
    }
    if (point.kind === 'none') return;
    const remaining = this.oldClones(group, point.checkpoint.toImageId).length;
    if (remaining === 0 && point.kind === 'rolling') return; // that refresh had finished
    this.logger.log(
      `resuming refresh ${point.checkpoint.refreshId} to image ${point.checkpoint.toImageId} from its checkpoint in the servers' metadata (${point.kind === 'canary' ? 'the canary had not passed: it is judged again from a fresh window' : 'the canary had passed: rolling on'}; ${remaining} old clone(s) left)`,
    );
    // Adopted servers walk the launch states first: wait for those launches before counting.
    await this.scaling.settled();
    const desired = this.scaling.desiredCount ?? point.checkpoint.desired;
    if (desired > point.checkpoint.desired) {
      // A batch's surge instance (or the canary's) was adopted as one more: back to the count before the refresh.
      this.scaling.setDesired(point.checkpoint.desired, {
        source: 'recovery',
        reason: `refresh ${point.checkpoint.refreshId} resumed: its surge instance is not wanted on top of the ${point.checkpoint.desired} the group had`,
      });
      await this.scaling.idle();
    }
    this.begin(
      point.checkpoint,
      'resumed',
      imagesOf(group),
      point.kind === 'canary' ? point.canaryId : undefined,
      point.kind === 'rolling',
    );
  }

  private begin(
    checkpoint: RefreshCheckpoint,
    trigger: RefreshTrigger,
    images: Map<string, string | undefined>,
    adoptedCanaryId: string | undefined,
    canaryPassed = false,
  ): RefreshView {
    const total = this.oldClonesInPool(checkpoint.toImageId, images).length;
    const run: RefreshView = {
      id: checkpoint.refreshId,
      state: canaryPassed ? 'rolling' : 'canary',
      trigger,
      fromImageId: checkpoint.fromImageId || null,
      toImageId: checkpoint.toImageId,
      startedAt: this.clock.now().toISOString(),
      finishedAt: null,
      total,
      replaced: 0,
      canary: {
        instanceId: null,
        instanceName: null,
        weight: this.config.canaryWeight,
        windowMs: this.config.canaryWindowMs,
        observedMs: 0,
        sample: null,
        baseline: null,
        verdict: null,
      },
      reason: null,
    };
    this.current = run;
    this.pauseRequested = false;
    this.cancelRequested = undefined;
    this.logger.log(
      `refresh ${run.id} (${trigger}): image ${run.fromImageId ?? '(unknown)'} -> ${run.toImageId}; ${total} clone(s) to replace, batches of ${this.config.batchSize}, ` +
        `minHealthyPercent ${this.config.minHealthyPercent}%${canaryPassed ? '' : `; canary first: ${Math.round(this.config.canaryWeight * 100)}% of requests for ${seconds(this.config.canaryWindowMs)}`}`,
    );
    if (checkpoint.fromImageId)
      this.pin.pin(
        checkpoint.fromImageId,
        `refresh ${run.id} in progress: scale-outs keep the old image until the canary passed`,
      );
    this.running = this.execute(run, checkpoint, adoptedCanaryId, canaryPassed)
      .catch((error: unknown) => {
        this.logger.error(
          `refresh ${run.id} stopped by an error: ${(error as Error).stack ?? String(error)}`,
        );
        if (!isFinalRefreshState(run.state)) {
          run.reason = `error: ${(error as Error).message}`;
          this.enter(run, this.scaling.isStopping ? 'interrupted' : 'cancelled');
        }
      })
      .finally(() => {
        this.routing.clear();
        this.observer.stop();
        run.finishedAt = this.clock.now().toISOString();
        this.history.push(run);
        if (this.history.length > HISTORY_KEPT) this.history.shift();
        this.running = undefined;
      });
    return run;
  }

  private async execute(
    run: RefreshView,
    checkpoint: RefreshCheckpoint,
    adoptedCanaryId: string | undefined,
    canaryPassed: boolean,
  ): Promise<void> {
    try {
      if (!canaryPassed) {
        const passed = await this.canaryPhase(run, checkpoint, adoptedCanaryId);
        if (!passed) return;
      }
      this.pin.pin(
        run.toImageId,
        `refresh ${run.id}: the canary passed, new instances start from the new image`,
      );
      await this.rollBatches(run, checkpoint);
    } catch (error) {
      if (!(error instanceof Cancelled)) throw error;
      if (this.scaling.isStopping || this.shutdown.signal.aborted) {
        run.reason = 'the controller stopped: resumed from the checkpoint at the next start';
        this.enter(run, 'interrupted');
        return;
      }
      run.reason = `cancelled: ${this.cancelRequested}`;
      if (run.fromImageId) this.pin.pin(run.fromImageId, `refresh ${run.id} cancelled`);
      this.enter(run, 'cancelled');
    }
  }

  /** The canary: launched (or adopted after a restart), given its share, judged. True when it passed. */
  private async canaryPhase(
    run: RefreshView,
    checkpoint: RefreshCheckpoint,
    adoptedCanaryId: string | undefined,
  ): Promise<boolean> {
    let canary = adoptedCanaryId ? this.pool.get(adoptedCanaryId) : undefined;
    if (canary?.phase !== 'admitted') {
      const old = this.oldClonesInPool(run.toImageId, await this.imagesOfGroup());
      if (old.length === 0) {
        run.reason = 'nothing to replace: no clone runs another image';
        this.enter(run, 'rolling');
        return true;
      }
      const plan = planBatch(this.fleet(old.length), 1, this.config.minHealthyPercent);
      if (plan.kind === 'blocked') {
        run.reason = `cannot start the canary: ${plan.why}`;
        this.enter(run, 'cancelled');
        return false;
      }
      if (plan.kind === 'drain-first') {
        await this.scaling.retireForRefresh(
          old[0],
          'replaced',
          `refresh ${run.id}: drained first to make room for the canary (at maxInstances)`,
        );
        run.replaced++;
      }
      const event = await this.launch(run, { ...checkpoint, step: 'canary' }, 'canary');
      if (event.state !== 'admitted' || !event.instanceId) {
        if (event.state === 'stopped') throw new Cancelled();
        if (this.cancelRequested) throw new Cancelled();
        await this.rollBack(
          run,
          undefined,
          `canary ${event.instanceName} never became healthy: ${event.failure?.reason ?? event.state} (${event.failure?.cleanup ?? 'nothing left'})`,
        );
        return false;
      }
      canary = this.pool.get(event.instanceId);
      if (!canary) {
        await this.rollBack(
          run,
          undefined,
          `canary ${event.instanceName} left the pool right after its admission`,
        );
        return false;
      }
    }
    run.canary.instanceId = canary.id;
    run.canary.instanceName = canary.name;
    let verdict: CanaryVerdict = { verdict: 'wait', remainingMs: this.config.canaryWindowMs };
    let windowStartedMs = this.startWindow(run, canary);
    while (verdict.verdict === 'wait') {
      if (this.cancelRequested) {
        await this.dropCanary(run, canary, 'rollback', `refresh ${run.id} cancelled`);
        throw new Cancelled();
      }
      if (this.pauseRequested) {
        // Weight 0, not cleared: a cleared canary would be an ordinary instance of the pool and take its full share.
        this.routing.set(canary.id, 0);
        this.enter(run, 'paused');
        await this.waitWhilePaused(run);
        this.enter(run, 'canary');
        windowStartedMs = this.startWindow(run, canary);
      }
      try {
        await this.clock.sleep(
          Math.min(JUDGE_EVERY_MS, Math.max(1, verdict.remainingMs)),
          this.shutdown.signal,
        );
      } catch {
        throw new Cancelled();
      }
      if (this.scaling.isStopping) throw new Cancelled();
      const figures = this.refreshCanaryFigures(run, windowStartedMs);
      verdict = judgeCanary(
        { windowStartedMs, ...figures, healthFailure: this.healthFailure(canary.id) },
        this.clock.nowMs(),
        this.config,
      );
    }
    this.routing.clear();
    this.observer.stop();
    if (verdict.verdict === 'fail') {
      await this.rollBack(run, canary, verdict.reason);
      return false;
    }
    run.canary.verdict = `passed: ${verdict.why}`;
    this.logger.log(`refresh ${run.id}: canary ${canary.name} passed (${verdict.why})`);
    await this.mark(canary.id, { ...checkpoint, step: 'canary-passed' });
    // The canary replaces one old clone (unless one was drained first to make room for it).
    if (run.replaced === 0) {
      const [old] = this.oldClonesInPool(run.toImageId, await this.imagesOfGroup());
      if (old) {
        await this.scaling.retireForRefresh(
          old,
          'replaced',
          `refresh ${run.id}: replaced by canary ${canary.name}`,
        );
        run.replaced++;
      }
    }
    this.enter(run, 'rolling');
    return true;
  }

  private async rollBatches(run: RefreshView, checkpoint: RefreshCheckpoint): Promise<void> {
    for (;;) {
      if (this.cancelRequested) throw new Cancelled();
      if (this.pauseRequested) {
        this.enter(run, 'paused');
        await this.waitWhilePaused(run);
        this.enter(run, 'rolling');
        continue;
      }
      if (this.scaling.isStopping) throw new Cancelled();
      const images = await this.imagesOfGroup();
      const old = this.oldClonesInPool(run.toImageId, images);
      const plan = planBatch(
        this.fleet(old.length),
        this.config.batchSize,
        this.config.minHealthyPercent,
      );
      if (plan.kind === 'done') break;
      if (plan.kind === 'blocked') {
        run.reason = `paused: ${plan.why}`;
        this.logger.warn(
          `refresh ${run.id}: ${plan.why}; paused (osa refresh resume once it can go on, or cancel)`,
        );
        this.pauseRequested = true;
        continue;
      }
      this.logger.log(
        `refresh ${run.id}: batch of ${plan.count} (${plan.kind === 'surge' ? 'new instances first, then the old ones drained' : 'at maxInstances: old ones drained first'}); ${old.length} old clone(s) left`,
      );
      if (plan.kind === 'drain-first') {
        await Promise.all(
          old
            .slice(0, plan.count)
            .map((instance) =>
              this.scaling.retireForRefresh(
                instance,
                'replaced',
                `refresh ${run.id}: batch (drained first, at maxInstances)`,
              ),
            ),
        );
      }
      const launched = await Promise.all(
        Array.from({ length: plan.count }, () =>
          this.launch(run, { ...checkpoint, step: 'batch' }, 'batch'),
        ),
      );
      const failed = launched.filter((event) => event.state !== 'admitted');
      if (failed.some((event) => event.state === 'stopped')) throw new Cancelled();
      if (plan.kind === 'surge') {
        const admitted = launched.length - failed.length;
        await Promise.all(
          old
            .slice(0, admitted)
            .map((instance) =>
              this.scaling.retireForRefresh(
                instance,
                'replaced',
                `refresh ${run.id}: replaced by a new instance`,
              ),
            ),
        );
      }
      run.replaced += launched.length - failed.length;
      if (failed.length > 0) {
        run.reason = `paused: ${failed.length} new instance(s) did not become healthy (${failed.map((event) => `${event.instanceName}: ${event.failure?.reason}`).join('; ')}); resume to retry, or cancel`;
        this.logger.warn(`refresh ${run.id}: ${run.reason}`);
        this.pauseRequested = true;
      }
    }
    if (this.current === run) {
      const golden = await this.provider
        .resolveGoldenImage(this.shutdown.signal)
        .catch(() => undefined);
      if (golden?.id === run.toImageId)
        this.pin.unpin(`refresh ${run.id} completed on the newest golden image`);
      else this.pin.pin(run.toImageId, `refresh ${run.id} completed on this image`);
    }
    run.reason = run.reason?.startsWith('nothing to replace')
      ? run.reason
      : `all ${run.replaced} old clone(s) replaced`;
    this.enter(run, 'completed');
  }

  private launch(
    run: RefreshView,
    checkpoint: RefreshCheckpoint,
    what: 'canary' | 'batch',
  ): Promise<LaunchEvent> {
    return this.scaling.launchFromImage(`refresh ${run.id}: ${what} from image ${run.toImageId}`, {
      imageId: run.toImageId,
      metadata: { [REFRESH_METADATA_KEY]: formatCheckpoint(checkpoint) },
    });
  }

  private startWindow(run: RefreshView, canary: PoolInstance): number {
    this.observer.start();
    this.routing.set(canary.id, this.config.canaryWeight);
    const startedMs = this.clock.nowMs();
    this.canaryWindowStartedMs = startedMs;
    this.logger.log(
      `refresh ${run.id}: canary ${canary.name} takes ${Math.round(this.config.canaryWeight * 100)}% of requests for ${seconds(this.config.canaryWindowMs)} (refresh.canaryWeight, refresh.canaryWindowMs)`,
    );
    return startedMs;
  }

  private canaryWindowStartedMs = 0;

  private refreshCanaryFigures(
    run: RefreshView,
    windowStartedMs = this.canaryWindowStartedMs,
  ): { canary: TrafficSample; baseline: TrafficSample } {
    const figures = this.observer.compare(run.canary.instanceId ?? '', windowStartedMs);
    run.canary.sample = figures.canary;
    run.canary.baseline = figures.baseline;
    run.canary.observedMs = Math.round(this.clock.nowMs() - windowStartedMs);
    return figures;
  }

  private healthFailure(canaryId: string): string | undefined {
    const canary = this.pool.get(canaryId);
    if (!canary) return 'its server left the pool (died or was deleted)';
    if (canary.phase !== 'admitted') return `it is ${canary.phase}`;
    if (canary.health === 'ejected')
      return `ejected by ${canary.ejectedBy ?? 'health checks'}${canary.lastCheck ? ` (last check: ${canary.lastCheck.detail})` : ''}`;
    return undefined;
  }

  /** Automatic rollback: the canary drained and deleted, the old image pinned and remembered in the survivors' metadata. */
  private async rollBack(
    run: RefreshView,
    canary: PoolInstance | undefined,
    reason: string,
  ): Promise<void> {
    this.routing.clear();
    this.observer.stop();
    run.reason = reason;
    run.canary.verdict = `failed: ${reason}`;
    this.enter(run, 'rolling-back');
    this.logger.warn(`refresh ${run.id}: rolling back: ${reason}`);
    if (canary)
      await this.dropCanary(run, canary, 'rollback', `refresh ${run.id} rolled back: ${reason}`);
    this.rejected.add(run.toImageId);
    if (run.replaced > 0) {
      // An old clone was drained to make room for the canary: its slot comes back, from the old image (pinned below first).
      if (run.fromImageId)
        this.pin.pin(run.fromImageId, `refresh ${run.id} to ${run.toImageId} rolled back`);
      this.scaling.setDesired((this.scaling.desiredCount ?? 1) + run.replaced, {
        source: 'failure',
        reason: `refresh ${run.id} rolled back: the old clone drained for the canary is started again`,
      });
      run.replaced = 0;
    }
    if (run.fromImageId)
      this.pin.pin(run.fromImageId, `refresh ${run.id} to ${run.toImageId} rolled back`);
    else
      this.logger.warn(
        `refresh ${run.id}: the old instances' image is unknown (un-baked bundle): new instances are not pinned to it`,
      );
    const survivors = (
      await this.provider.listGroup(this.shutdown.signal).catch(() => [] as InstanceSnapshot[])
    ).filter(
      (server) =>
        server.status !== 'DELETED' &&
        server.id !== run.canary.instanceId &&
        !parseCheckpointOf(server, run.id),
    );
    await Promise.all(
      survivors.map((server) =>
        this.provider
          .updateMetadata(server.id, { [REFRESH_REJECTED_METADATA_KEY]: run.toImageId })
          .catch((error: unknown) =>
            this.logger.warn(
              `could not mark ${server.name} with the rejected image: ${(error as Error).message}`,
            ),
          ),
      ),
    );
    this.enter(run, 'rolled-back');
  }

  private async dropCanary(
    run: RefreshView,
    canary: PoolInstance,
    kind: 'rollback',
    reason: string,
  ): Promise<void> {
    this.routing.clear();
    const current = this.pool.get(canary.id);
    if (!current || current.phase !== 'admitted') {
      // Already taken out by self-healing, which starts a replacement (from the pinned old image):
      // the canary's own slot is given back, so the group ends where it was before the refresh.
      this.scaling.setDesired(Math.max(1, (this.scaling.desiredCount ?? 2) - 1), {
        source: 'failure',
        reason: `refresh ${run.id}: the canary's slot is given back`,
      });
      return;
    }
    const removal = await this.scaling.retireForRefresh(canary, kind, reason);
    this.logger.log(
      `refresh ${run.id}: canary ${canary.name} ${removal.state === 'removed' ? 'drained and deleted' : `removal ${removal.state}: ${removal.outcome ?? ''}`}`,
    );
  }

  private async waitWhilePaused(run: RefreshView): Promise<void> {
    while (this.pauseRequested && !this.cancelRequested) {
      try {
        await this.clock.sleep(PAUSE_POLL_MS, this.shutdown.signal);
      } catch {
        throw new Cancelled();
      }
      if (this.scaling.isStopping) throw new Cancelled();
    }
    if (this.cancelRequested) throw new Cancelled();
    run.reason = null;
  }

  private async mark(instanceId: string, checkpoint: RefreshCheckpoint): Promise<void> {
    try {
      await this.provider.updateMetadata(
        instanceId,
        { [REFRESH_METADATA_KEY]: formatCheckpoint(checkpoint) },
        this.shutdown.signal,
      );
    } catch (error) {
      // Not fatal: without it a restart judges the canary again (the conservative side).
      this.logger.warn(
        `could not record the checkpoint ${checkpoint.step} on ${instanceId}: ${(error as Error).message}`,
      );
    }
  }

  private enter(run: RefreshView, next: RefreshState): void {
    const previous = run.state;
    if (previous === next) return;
    (run as { state: RefreshState }).state = nextRefreshState(previous, next);
    const line = `refresh ${run.id}: ${previous} -> ${next}${run.reason ? `: ${run.reason}` : ''} (${run.replaced}/${run.total} replaced)`;
    if (next === 'rolling-back' || next === 'rolled-back' || next === 'cancelled')
      this.logger.warn(line);
    else this.logger.log(line);
  }

  private requireRunning(action: string): RefreshView {
    if (!this.running || !this.current)
      throw new RefreshConflictError(`no refresh is running: nothing to ${action}`);
    return this.current;
  }

  /** The image of each server of the group (from its `osa:image` metadata). */
  private async imagesOfGroup(): Promise<Map<string, string | undefined>> {
    return imagesOf(await this.provider.listGroup(this.shutdown.signal));
  }

  /** Admitted clones not known to run `toImageId` (the original is never replaced), oldest first. */
  private oldClonesInPool(
    toImageId: string,
    images: Map<string, string | undefined>,
  ): PoolInstance[] {
    return this.pool
      .admitted()
      .filter(
        (instance) =>
          instance.role === 'clone' &&
          instance.id !== this.routing.instanceId &&
          instance.id !== this.current?.canary.instanceId,
      )
      .filter((instance) => images.get(instance.id) !== toImageId)
      .sort((a, b) => (a.admittedAtMs ?? 0) - (b.admittedAtMs ?? 0));
  }

  private oldClones(group: readonly InstanceSnapshot[], toImageId: string): InstanceSnapshot[] {
    const clones = new Set(
      this.pool
        .list()
        .filter((instance) => instance.role === 'clone')
        .map((instance) => instance.id),
    );
    return group.filter(
      (server) => clones.has(server.id) && server.metadata[METADATA_IMAGE_KEY] !== toImageId,
    );
  }

  /** The image the old clones run (the most common one), '' when unknown. */
  private fromImage(group: readonly InstanceSnapshot[], toImageId: string): string {
    const counts = new Map<string, number>();
    for (const server of this.oldClones(group, toImageId)) {
      const image = server.metadata[METADATA_IMAGE_KEY];
      if (image) counts.set(image, (counts.get(image) ?? 0) + 1);
    }
    const [best] = [...counts.entries()].sort((a, b) => b[1] - a[1]);
    return best?.[0] ?? this.pin.imageId ?? '';
  }

  private fleet(oldRemaining: number): Parameters<typeof planBatch>[0] {
    const snapshot = this.scaling.snapshot();
    return {
      oldRemaining,
      healthy: this.pool.inRotation().length,
      desired: snapshot.desired ?? snapshot.actual,
      actual: snapshot.actual,
      maxInstances: this.scalingConfig.maxInstances,
    };
  }
}

/** The server is one of this refresh's own (a canary whose delete Nova has not finished yet). */
function parseCheckpointOf(server: InstanceSnapshot, refreshId: string): boolean {
  return parseCheckpoint(server.metadata[REFRESH_METADATA_KEY])?.refreshId === refreshId;
}

function imagesOf(group: readonly InstanceSnapshot[]): Map<string, string | undefined> {
  return new Map(group.map((server) => [server.id, server.metadata[METADATA_IMAGE_KEY]]));
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}
