import { randomBytes } from 'node:crypto';
import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { Clock, CLOCK } from '../../clock/clock';
import { ProviderConfig } from '../../config/provider.config';
import { ScalingConfig } from '../../config/scaling.config';
import { BackendReadiness } from '../../health/backend-readiness';
import {
  INSTANCE_PROVIDER,
  InstanceProvider,
  InstanceSnapshot,
  METADATA_STATE_KEY,
} from '../../providers/instance-provider';
import { FailureBackoff, repeatEvery } from '../../resilience/backoff';
import { InstanceDeleter } from '../instance-deleter';
import { OnceLog } from '../once-log';
import { WarmFill, WarmFillDependencies } from './warm-fill';
import {
  chooseWarmServer,
  judgeWarmServer,
  planWarmPool,
  WarmMemberView,
  WarmMetadataState,
  WarmRecoveryVerdict,
} from './warm-state';

/** A warm server in the pool (SHUTOFF or shelved, marked `osa:state=warm`). */
export interface WarmMember extends WarmMemberView {
  readonly name: string;
}

/** /status `warmPool` (and the v1 status and dashboard). */
export interface WarmPoolView {
  readonly size: number;
  readonly shelve: boolean;
  /** Stopped and ready. */
  readonly warm: number;
  readonly filling: number;
  readonly members: ReadonlyArray<{
    readonly id: string;
    readonly name: string;
    readonly imageId: string | null;
    readonly stale: boolean;
  }>;
  /** Set while the quota refuses refills: since when and Nova's message. */
  readonly quotaRefused: { readonly since: string; readonly message: string } | null;
  readonly refillBackoff: {
    readonly consecutiveFailures: number;
    readonly nextAllowedInMs: number;
  };
  /** Scale-outs served from the pool / created cold because it was empty, since start. */
  readonly takenWarm: number;
  readonly coldBecauseEmpty: number;
}

type WarmCondition = 'empty' | 'quota' | 'image-unknown';

/**
 * `scaling.warmPool`: keeps `size` warm servers, hands one to a launch (InstanceLaunch starts it
 * instead of creating a server), refills in the background, replaces warm servers of an older
 * golden image oldest first, and takes the group's warm servers back after a restart. The
 * decisions are pure (warm-state.ts); this class carries them out on the injected Clock.
 */
@Injectable()
export class WarmPoolService
  implements OnApplicationBootstrap, OnModuleDestroy, BeforeApplicationShutdown
{
  private readonly logger = new Logger('WarmPool');
  private readonly once = new OnceLog<WarmCondition>(this.logger);
  private readonly members = new Map<string, WarmMember>();
  /** Members found running and being stopped again: not takeable until that stop is done. */
  private readonly restopping = new Set<string>();
  private readonly fills = new Set<WarmFill>();
  /** Warm servers taken by a launch that has not ended yet. */
  private readonly starting = new Set<string>();
  private readonly work = new Set<Promise<unknown>>();
  private readonly shutdown = new AbortController();
  private readonly backoff: FailureBackoff;
  private readonly fillDependencies: WarmFillDependencies;
  private replacing = 0;
  private recovered = false;
  private currentImageId: string | undefined;
  private quotaRefused: { since: string; message: string } | undefined;
  private checking = false;
  private checkAgain = false;
  private loop: Promise<void> | undefined;
  private takenWarm = 0;
  private coldBecauseEmpty = 0;

  constructor(
    private readonly config: ScalingConfig,
    private readonly providerConfig: ProviderConfig,
    @Inject(INSTANCE_PROVIDER) private readonly provider: InstanceProvider,
    readiness: BackendReadiness,
    private readonly deleter: InstanceDeleter,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.backoff = new FailureBackoff(
      config.warmPool.refillBackoffInitialMs,
      config.warmPool.refillBackoffMaxMs,
    );
    this.fillDependencies = {
      provider,
      readiness,
      clock,
      scaling: config,
      logger: this.logger,
      deleter,
    };
  }

  get enabled(): boolean {
    return this.config.warmPool.size > 0;
  }

  onApplicationBootstrap(): void {
    this.loop = repeatEvery(
      this.clock,
      this.config.warmPool.checkIntervalMs,
      this.shutdown.signal,
      () => this.check(),
      (error) =>
        this.logger.error(`warm-pool check failed: ${(error as Error).stack ?? String(error)}`),
    );
  }

  onModuleDestroy(): void {
    this.shutdown.abort();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.shutdown.abort();
    await this.loop;
    await this.settled();
  }

  /** Resolves when no fill, replacement or metadata write is running (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.work.size > 0) await Promise.allSettled([...this.work]);
  }

  /**
   * Restart recovery (before anything is created): takes the group's warm servers back, finishes
   * or rolls back what a killed controller left between stopped and started, deletes interrupted
   * fills. Returns the servers left for the ordinary recovery (not warm, or a start to finish).
   */
  async recover(
    group: readonly InstanceSnapshot[],
    signal?: AbortSignal,
  ): Promise<InstanceSnapshot[]> {
    const rest: InstanceSnapshot[] = [];
    for (const snapshot of group) {
      const verdict = judgeWarmServer(snapshot);
      const what = `${snapshot.name} (${snapshot.id}, ${snapshot.detailedStatus ?? snapshot.status})`;
      try {
        await this.recoverOne(snapshot, verdict, what, rest, signal);
      } catch (error) {
        if (signal?.aborted) throw error;
        // The ordinary recovery judges it then: SHUTOFF is deleted, ACTIVE adopted. Nothing leaks.
        this.logger.warn(
          `restart recovery: ${what}: could not ${verdict.kind}: ${(error as Error).message}; left to the ordinary recovery`,
        );
        rest.push(snapshot);
      }
    }
    this.recovered = true;
    if (this.enabled || this.members.size > 0)
      this.logger.log(
        `warm pool: ${this.members.size} warm of scaling.warmPool.size=${this.config.warmPool.size}${this.config.warmPool.shelve ? ' (shelved)' : ''}`,
      );
    this.track(this.check());
    return rest;
  }

  private async recoverOne(
    snapshot: InstanceSnapshot,
    verdict: WarmRecoveryVerdict,
    what: string,
    rest: InstanceSnapshot[],
    signal: AbortSignal | undefined,
  ): Promise<void> {
    {
      switch (verdict.kind) {
        case 'not-warm':
          rest.push(snapshot);
          break;
        case 'keep-warm':
          this.addMember(snapshot);
          this.logger.log(`restart recovery: ${what} is warm: back in the pool`);
          break;
        case 'roll-back-to-warm':
          // Killed between taking it and its start taking effect: it was never served, so it is warm again.
          await this.mark(snapshot.id, 'warm', signal);
          this.addMember(snapshot);
          this.logger.log(
            `restart recovery: ${what} was being started when the controller stopped: rolled back to warm`,
          );
          break;
        case 'finish-start':
          await this.mark(snapshot.id, 'in-service', signal);
          rest.push(snapshot);
          this.logger.log(
            `restart recovery: ${what} was started from the warm pool: finished, adopted like any running server`,
          );
          break;
        case 'delete':
          this.logger.log(`restart recovery: ${what}: ${verdict.why}; deleting it`);
          this.track(
            this.deleter.delete({ id: snapshot.id, name: snapshot.name }, 'warm-pool recovery'),
          );
          break;
      }
    }
  }

  /**
   * A launch asks for a warm server (synchronously, so two launches never get the same one).
   * Undefined when the pool is off or empty; an empty pool is said once, until a server is warm again.
   */
  take(): WarmMember | undefined {
    if (!this.enabled || this.shutdown.signal.aborted) return undefined;
    const takeable = [...this.members.values()].filter((member) => !this.restopping.has(member.id));
    const chosen = chooseWarmServer(takeable, this.currentImageId);
    if (!chosen) {
      this.coldBecauseEmpty++;
      // Members none of which could be chosen: of an older image, or being stopped again.
      const why = [
        takeable.length > 0
          ? `${takeable.length} warm server(s) of an older golden image are being replaced`
          : '',
        this.members.size > takeable.length
          ? `${this.members.size - takeable.length} found running are being stopped again`
          : '',
      ].filter(Boolean);
      this.once.say(
        'empty',
        `warm pool empty${why.length > 0 ? ` (${why.join('; ')})` : ''}: this scale-out creates a server cold while the pool refills`,
      );
      return undefined;
    }
    const member = this.members.get(chosen.id) as WarmMember;
    this.members.delete(member.id);
    this.takenWarm++;
    // The refill waits until this start is served (released): it would compete with it for the cloud API.
    this.starting.add(member.id);
    return member;
  }

  /**
   * Starts a taken server: the `starting` mark and os-start (or unshelve) go out together, one
   * round trip on the scale-out's path. Whatever a kill -9 leaves is safe: only the mark (SHUTOFF,
   * starting) is rolled back to warm, only the start (running, warm) is stopped again or deleted,
   * both (running, starting) is finished.
   */
  async start(member: WarmMember, signal: AbortSignal): Promise<void> {
    await Promise.all([
      this.provider.updateMetadata(
        member.id,
        { [METADATA_STATE_KEY]: 'starting' satisfies WarmMetadataState },
        signal,
      ),
      this.provider.start(member.id, { shelved: this.config.warmPool.shelve, signal }),
    ]);
  }

  /** The launch that took `id` ended (admitted or not): refills may use the cloud API again. */
  released(id: string): void {
    if (this.starting.delete(id)) this.track(this.check());
  }

  /** A server started from the pool was admitted: from now on an instance like any other. */
  admitted(id: string): void {
    this.track(
      this.mark(id, 'in-service').catch((error: unknown) =>
        this.logger.warn(
          `could not mark ${id} in-service: ${(error as Error).message} (a restart adopts it anyway)`,
        ),
      ),
    );
  }

  /** The group server is the warm pool's (warm, being filled or replaced): not an orphan. */
  accountsFor(snapshot: InstanceSnapshot): boolean {
    if (this.members.has(snapshot.id)) return true;
    for (const fill of this.fills)
      if (fill.instanceId === snapshot.id || fill.name === snapshot.name) return true;
    return false;
  }

  view(): WarmPoolView {
    const nowMs = this.clock.nowMs();
    return {
      size: this.config.warmPool.size,
      shelve: this.config.warmPool.shelve,
      warm: this.members.size,
      filling: this.fills.size,
      members: [...this.members.values()].map((member) => ({
        id: member.id,
        name: member.name,
        imageId: member.imageId ?? null,
        stale:
          this.currentImageId !== undefined &&
          member.imageId !== undefined &&
          member.imageId !== this.currentImageId,
      })),
      quotaRefused: this.quotaRefused ?? null,
      refillBackoff: this.backoff.view(nowMs),
      takenWarm: this.takenWarm,
      coldBecauseEmpty: this.coldBecauseEmpty,
    };
  }

  /** One round: learn the golden image, then refill / replace as planWarmPool says. */
  private async check(): Promise<void> {
    if (this.shutdown.signal.aborted || !this.recovered) return;
    if (!this.enabled && this.members.size === 0) return;
    if (this.checking) {
      // A take or a finished fill during a round: one more round right after it.
      this.checkAgain = true;
      return;
    }
    this.checking = true;
    try {
      await this.learnImage();
      await this.verifyMembers();
      const plan = planWarmPool(
        {
          size: this.config.warmPool.size,
          members: [...this.members.values()],
          filling: this.fills.size,
          replacing: this.replacing,
          currentImageId: this.currentImageId,
          refillNotBeforeMs: this.clock.nowMs() + this.backoff.waitMs(this.clock.nowMs()),
          stopping: this.shutdown.signal.aborted,
          recovered: this.recovered,
        },
        this.clock.nowMs(),
      );
      for (const member of plan.remove) this.retire(member as WarmMember);
      if (this.starting.size === 0) for (let n = 0; n < plan.fill; n++) this.startFill();
    } finally {
      this.checking = false;
    }
    if (this.checkAgain) {
      this.checkAgain = false;
      await this.check();
    }
  }

  /**
   * The cloud is the source of truth: a warm server that vanished or went to ERROR leaves the pool
   * (and is deleted); one found running (an os-start that reached Nova just before a kill -9 rolled
   * its start back, or a start by hand) is stopped again. One list call per round.
   */
  private async verifyMembers(): Promise<void> {
    if (this.members.size === 0) return;
    let group: InstanceSnapshot[];
    try {
      group = await this.provider.listGroup(this.shutdown.signal);
    } catch {
      return; // the cloud API: next round
    }
    const byId = new Map(group.map((snapshot) => [snapshot.id, snapshot]));
    for (const member of [...this.members.values()]) {
      // Taken by a launch meanwhile: it is being started on purpose.
      if (!this.members.has(member.id)) continue;
      const snapshot = byId.get(member.id);
      if (!snapshot || snapshot.status === 'DELETED' || snapshot.status === 'ERROR') {
        this.members.delete(member.id);
        this.logger.warn(
          `warm server ${member.name} (${member.id}) is ${snapshot ? `${snapshot.status}${snapshot.fault ? ` (${snapshot.fault})` : ''}` : 'gone'}: out of the pool`,
        );
        if (snapshot?.status === 'ERROR')
          this.track(this.deleter.delete({ id: member.id, name: member.name }, 'warm pool'));
        continue;
      }
      if (snapshot.status === 'ACTIVE') {
        this.logger.warn(`warm server ${member.name} (${member.id}) is running: stopping it again`);
        this.restopping.add(member.id);
        try {
          await this.provider.stop(member.id, {
            shelve: this.config.warmPool.shelve,
            signal: this.shutdown.signal,
          });
        } catch (error) {
          this.logger.warn(
            `could not stop warm server ${member.name} (${member.id}) yet: ${(error as Error).message}; next round`,
          );
        } finally {
          this.restopping.delete(member.id);
        }
      }
    }
  }

  private async learnImage(): Promise<void> {
    try {
      this.currentImageId = await this.provider.currentImageId(this.shutdown.signal);
      this.once.resolved(['image-unknown']);
    } catch (error) {
      if (this.shutdown.signal.aborted) return;
      this.once.say(
        'image-unknown',
        `warm pool: cannot find the golden image now (${(error as Error).message}); stale warm servers are not replaced until it is found`,
      );
    }
  }

  private retire(member: WarmMember): void {
    this.members.delete(member.id);
    const why =
      member.imageId !== this.currentImageId
        ? `its image ${member.imageId} is no longer the golden image ${this.currentImageId}: replaced (oldest first)`
        : `above scaling.warmPool.size=${this.config.warmPool.size}`;
    this.logger.log(`warm server ${member.name} (${member.id}): ${why}`);
    this.replacing++;
    this.track(
      this.deleter
        .delete({ id: member.id, name: member.name }, 'warm-pool replacement')
        .finally(() => {
          this.replacing--;
        }),
    );
  }

  private startFill(): void {
    const fill = new WarmFill(
      this.fillDependencies,
      `${this.providerConfig.namePrefix}${randomBytes(4).toString('hex').slice(0, 5)}`,
      this.config.warmPool.shelve,
    );
    this.fills.add(fill);
    this.logger.log(
      `warm pool refill: creating ${fill.name} (${this.members.size} warm, ${this.fills.size} filling, size ${this.config.warmPool.size})`,
    );
    this.track(
      fill.run(this.shutdown.signal).then((outcome) => {
        this.fills.delete(fill);
        if (outcome.kind === 'warm') {
          this.backoff.succeeded();
          this.members.set(outcome.id, {
            id: outcome.id,
            name: outcome.name,
            imageId: outcome.imageId,
            createdEpochMs: outcome.createdEpochMs,
          });
          this.once.resolved(['empty']);
          if (this.quotaRefused)
            this.logger.log(
              `warm pool: the quota allows refills again (refused since ${this.quotaRefused.since})`,
            );
          this.quotaRefused = undefined;
          this.once.resolved(['quota']);
          this.track(this.check());
          return;
        }
        if (outcome.kind === 'stopped') return;
        const waitMs = this.backoff.failed(this.clock.nowMs());
        if (outcome.quotaRefused) {
          this.quotaRefused ??= { since: this.clock.now().toISOString(), message: outcome.reason };
          this.once.say(
            'quota',
            `warm pool refill refused by the project quota: ${outcome.reason}; a warm server counts against the instance quota; retrying with back-off (next in ${(waitMs / 1000).toFixed(0)}s), shown on /status`,
          );
          return;
        }
        this.logger.warn(
          `warm pool refill ${fill.name} failed: ${outcome.reason}; next refill no sooner than ${(waitMs / 1000).toFixed(1)}s from now`,
        );
      }),
    );
  }

  private addMember(snapshot: InstanceSnapshot): void {
    this.members.set(snapshot.id, {
      id: snapshot.id,
      name: snapshot.name,
      imageId: snapshot.imageId,
      createdEpochMs: snapshot.createdAt ? Date.parse(snapshot.createdAt) : 0,
    });
  }

  private async mark(id: string, state: WarmMetadataState, signal?: AbortSignal): Promise<void> {
    await this.provider.updateMetadata(id, { [METADATA_STATE_KEY]: state }, signal);
  }

  private track(promise: Promise<unknown>): void {
    const tracked = promise.catch((error: unknown) =>
      this.logger.error(`warm pool: ${(error as Error).stack ?? String(error)}`),
    );
    this.work.add(tracked);
    void tracked.finally(() => this.work.delete(tracked));
  }
}
