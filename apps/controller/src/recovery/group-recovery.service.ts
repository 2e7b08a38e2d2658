import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { Leadership, LEADERSHIP, SINGLE_CONTROLLER } from '../seams/leadership';
import { ProviderConfig } from '../config/provider.config';
import { ScalingConfig } from '../config/scaling.config';
import { Clock, CLOCK } from '../clock/clock';
import {
  INSTANCE_PROVIDER,
  InstanceProvider,
  InstanceSnapshot,
  METADATA_REASON_KEY,
} from '../providers/instance-provider';
import { ExponentialDelay, retry } from '../resilience/backoff';
import { InstanceDeleter } from '../scaling/instance-deleter';
import { ScalingService } from '../scaling/scaling.service';
import { WarmPoolService } from '../scaling/warm-pool/warm-pool.service';

const LIST_RETRY_INITIAL_MS = 1_000;
const LIST_RETRY_MAX_MS = 30_000;

/**
 * Restart recovery: the cloud is the source of truth. At start-up the group's servers (those
 * carrying `osa:group=<provider.group>`) are listed -- retried until the API answers, while the
 * original serves -- and each is judged:
 * - ACTIVE or BUILD: adopted, through the same states as a new instance (an ACTIVE one still has
 *   to show its address and pass K health checks; a BUILD one is waited for). One that fails there
 *   is deleted like any failed scale-out.
 * - ERROR, SHUTOFF (or anything else): deleted.
 * The desired count starts as the original plus the adopted ones; nothing is created before the
 * listing is done, so a controller killed mid scale-out never doubles it.
 */
@Injectable()
export class GroupRecoveryService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Recovery');
  private readonly stop = new AbortController();
  private recovery: Promise<void> | undefined;

  constructor(
    private readonly providerConfig: ProviderConfig,
    private readonly scalingConfig: ScalingConfig,
    @Inject(INSTANCE_PROVIDER) private readonly provider: InstanceProvider,
    private readonly scaling: ScalingService,
    private readonly deleter: InstanceDeleter,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly warmPool: WarmPoolService,
    @Inject(LEADERSHIP) private readonly leadership: Leadership = SINGLE_CONTROLLER,
  ) {}

  onApplicationBootstrap(): void {
    this.recovery = this.recover(this.stop.signal).catch((error: unknown) => {
      if (!this.stop.signal.aborted)
        this.logger.error({ msg: 'restart recovery failed', err: error });
    });
  }

  /** Resolves once the group was listed and judged (adoptions may still be running). */
  async listed(): Promise<void> {
    await this.recovery;
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stop.abort();
    await this.recovery;
  }

  private async recover(signal: AbortSignal): Promise<void> {
    // A standby lists and adopts nothing: the group is the leader's until this controller takes over.
    if (!this.leadership.isLeader()) {
      this.logger.log('standby: restart recovery waits until this controller holds the lease');
      await this.leadership.whenLeader(signal);
    }
    const listed = await this.listGroup(signal);
    if (!listed) return;
    // Warm-pool servers first: kept warm, finished or rolled back (scaling/warm-pool/warm-state.ts).
    const group = await this.warmPool.recover(listed, signal);
    const ours = group.filter(
      (snapshot) => !this.isOriginal(snapshot) && snapshot.status !== 'DELETED',
    );
    const adopt = ours.filter(
      (snapshot) => snapshot.status === 'ACTIVE' || snapshot.status === 'BUILD',
    );
    const discard = ours.filter((snapshot) => !adopt.includes(snapshot));
    const summary =
      ours.length === 0
        ? `no server of group ${this.providerConfig.group} besides the original`
        : `group ${this.providerConfig.group}: ${ours.length} server(s) found: ${describeAll(adopt, 'adopting')}${adopt.length && discard.length ? '; ' : ''}${describeAll(discard, 'deleting')}`;
    this.logger.log({
      msg: 'restart recovery: group listed',
      group: this.providerConfig.group,
      found: ours.length,
      adopting: adopt.map((snapshot) => ({
        instanceId: snapshot.id,
        instanceName: snapshot.name,
        status: snapshot.status,
      })),
      deleting: discard.map((snapshot) => ({
        instanceId: snapshot.id,
        instanceName: snapshot.name,
        status: snapshot.status,
      })),
    });
    if (adopt.length > this.scalingConfig.maxInstances - 1) {
      this.logger.warn({
        msg: 'more instances than scaling.maxInstances: the extra ones are scaled in once admitted',
        instances: adopt.length + 1,
        maxInstances: this.scalingConfig.maxInstances,
      });
    }
    this.scaling.recovered(adopt, `restart recovery: ${summary}`);
    await Promise.all(
      discard.map(async (snapshot) => {
        this.logger.log({
          msg: 'restart recovery: deleting a server that cannot be adopted',
          instanceId: snapshot.id,
          instanceName: snapshot.name,
          status: snapshot.status,
          ...(snapshot.fault ? { fault: snapshot.fault } : {}),
        });
        await this.deleter.delete({ id: snapshot.id, name: snapshot.name }, 'restart recovery');
      }),
    );
  }

  /** Lists the group until it works: during a cloud API outage the original keeps serving meanwhile. */
  private async listGroup(signal: AbortSignal): Promise<InstanceSnapshot[] | undefined> {
    const delay = new ExponentialDelay(LIST_RETRY_INITIAL_MS, LIST_RETRY_MAX_MS);
    const startedMs = this.clock.nowMs();
    try {
      return await retry(
        async (attempt) => {
          const group = await this.provider.listGroup(signal);
          if (attempt > 1)
            this.logger.log({
              msg: 'group listed after failed attempts',
              group: this.providerConfig.group,
              attempt,
              elapsedMs: Math.round(this.clock.nowMs() - startedMs),
            });
          return group;
        },
        {
          clock: this.clock,
          signal,
          delayMs: (attempt) => delay.afterFailures(attempt),
          onRetry: (error, attempt, waitMs) =>
            this.logger.warn({
              msg: 'cannot list the group yet: nothing is created or deleted until it is listed',
              group: this.providerConfig.group,
              attempt,
              err: error,
              nextAttemptInMs: waitMs,
            }),
        },
      );
    } catch (error) {
      if (signal.aborted) return undefined;
      throw error;
    }
  }

  private isOriginal(snapshot: InstanceSnapshot): boolean {
    return (
      snapshot.name === this.providerConfig.originalName ||
      snapshot.metadata[METADATA_REASON_KEY] === 'original'
    );
  }
}

function describeAll(snapshots: readonly InstanceSnapshot[], verb: string): string {
  if (snapshots.length === 0) return '';
  return `${verb} ${snapshots.map((snapshot) => `${snapshot.name} (${snapshot.status})`).join(', ')}`;
}
