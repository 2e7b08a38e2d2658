import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { Leadership, LEADERSHIP, SINGLE_CONTROLLER } from '../seams/leadership';
import { HealthConfig } from '../config/health.config';
import { ProviderConfig } from '../config/provider.config';
import { ScalingConfig } from '../config/scaling.config';
import { InstancePool } from '../pool/instance-pool';
import { PoolInstance } from '../pool/pool-instance';
import { Clock, CLOCK } from '../clock/clock';
import {
  INSTANCE_PROVIDER,
  InstanceProvider,
  InstanceSnapshot,
  METADATA_REASON_KEY,
} from '../providers/instance-provider';
import { repeatEvery } from '../resilience/backoff';
import { InstanceDeleter } from '../scaling/instance-deleter';
import { ScalingEventLog } from '../scaling/scaling-event-log';
import { ScalingService } from '../scaling/scaling.service';
import { WarmPoolService } from '../scaling/warm-pool/warm-pool.service';

/**
 * Self-healing. An admitted instance is replaced (the desired count is kept) when
 * - it failed `health.failuresToEject` health checks in a row (seen on the pool's `ejected` event
 *   and on every scan, since an instance ejected for another reason may keep failing), or
 * - its server went to ERROR/SHUTOFF or was deleted behind our back (the provider is polled every
 *   `scaling.healing.providerPollIntervalMs`).
 * The same poll deletes orphans: servers of our group that nothing accounts for (a create whose
 * answer was lost, for instance), once seen on two polls in a row. It is also what notices that
 * the cloud API is back after an outage. Failing replacements back off (ScalingService).
 */
@Injectable()
export class InstanceHealer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Healing');
  private readonly stop = new AbortController();
  private readonly loops: Promise<void>[] = [];
  private suspectedOrphans = new Set<string>();
  private readonly leftAlone = new Set<string>();
  private readonly onEjected = (instance: PoolInstance): void => this.checkHealth(instance);

  constructor(
    private readonly config: ScalingConfig,
    private readonly health: HealthConfig,
    private readonly providerConfig: ProviderConfig,
    private readonly pool: InstancePool,
    @Inject(INSTANCE_PROVIDER) private readonly provider: InstanceProvider,
    private readonly scaling: ScalingService,
    private readonly deleter: InstanceDeleter,
    private readonly eventLog: ScalingEventLog,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly warmPool: WarmPoolService,
    @Inject(LEADERSHIP) private readonly leadership: Leadership = SINGLE_CONTROLLER,
  ) {}

  onApplicationBootstrap(): void {
    this.pool.events.on('ejected', this.onEjected);
    this.loops.push(this.every(this.config.evaluationIntervalMs, async () => this.scanPool()));
    this.loops.push(
      this.every(this.config.healing.providerPollIntervalMs, (signal) => this.pollProvider(signal)),
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.pool.events.off('ejected', this.onEjected);
    this.stop.abort();
    await Promise.all(this.loops);
  }

  /** One pass over the pool: instances that failed F health checks in a row are replaced. */
  scanPool(): void {
    for (const instance of this.pool.admitted()) this.checkHealth(instance);
  }

  /** One provider poll: servers gone, in ERROR or SHUTOFF are replaced; orphans deleted. */
  async pollProvider(signal?: AbortSignal): Promise<void> {
    if (!this.scaling.isRecovered || !this.leadership.isLeader()) return; // restart recovery owns the group until it has listed it
    let group: InstanceSnapshot[];
    try {
      group = await this.provider.listGroup(signal);
    } catch (error) {
      if (!signal?.aborted) this.logger.debug({ msg: 'could not list the group', err: error });
      return;
    }
    const byId = new Map(group.map((snapshot) => [snapshot.id, snapshot]));
    for (const instance of this.pool.admitted()) {
      if (instance.id.startsWith('url:')) continue; // an original given by URL has no server to watch
      let snapshot = byId.get(instance.id);
      if (!snapshot) {
        // Not listed (the original may simply carry no group metadata): ask for it by id.
        try {
          snapshot = await this.provider.describe(instance.id, signal);
        } catch {
          continue;
        }
      }
      if (snapshot.status === 'ACTIVE' || snapshot.status === 'BUILD') continue;
      const reason =
        snapshot.status === 'DELETED'
          ? 'its server was deleted behind our back'
          : `its server is ${snapshot.status}${snapshot.fault ? ` (${snapshot.fault})` : ''}`;
      this.heal(instance, reason, false);
    }
    await this.sweepOrphans(group);
  }

  private checkHealth(instance: PoolInstance): void {
    if (!this.config.healing.enabled || instance.phase !== 'admitted') return;
    const failures = instance.consecutiveCheckFailures;
    if (failures < this.health.failuresToEject) return;
    this.heal(
      instance,
      `failed ${failures} health checks in a row (health.failuresToEject=${this.health.failuresToEject}; last: ${instance.lastCheck?.detail ?? 'n/a'})`,
      true,
    );
  }

  private heal(instance: PoolInstance, reason: string, drain: boolean): void {
    if (!this.leadership.isLeader()) return; // the leader heals; a standby only watches
    if (!this.config.healing.enabled) {
      if (!this.leftAlone.has(instance.id))
        this.logger.warn({
          msg: 'not healed: scaling.healing.enabled=false, left as it is',
          instanceId: instance.id,
          instanceName: instance.name,
          reason,
        });
      this.leftAlone.add(instance.id);
      return;
    }
    this.scaling.replace(instance, reason, drain);
  }

  /** Group servers nothing accounts for, seen on two polls in a row, are deleted. */
  private async sweepOrphans(group: readonly InstanceSnapshot[]): Promise<void> {
    const beingCreated = new Set(this.eventLog.inProgress().map((event) => event.instanceName));
    const suspects = new Set<string>();
    for (const snapshot of group) {
      if (
        snapshot.status === 'DELETED' ||
        this.pool.get(snapshot.id) ||
        this.deleter.isOurs(snapshot.id) ||
        this.warmPool.accountsFor(snapshot)
      )
        continue;
      if (
        snapshot.name === this.providerConfig.originalName ||
        snapshot.metadata[METADATA_REASON_KEY] === 'original'
      )
        continue;
      if (beingCreated.has(snapshot.name)) continue;
      if (!this.suspectedOrphans.has(snapshot.id)) {
        suspects.add(snapshot.id);
        continue;
      }
      this.logger.warn({
        msg: 'orphan: carries our group metadata but nothing accounts for it, deleting it',
        instanceId: snapshot.id,
        instanceName: snapshot.name,
        status: snapshot.status,
      });
      await this.deleter.delete({ id: snapshot.id, name: snapshot.name }, 'orphan sweep');
    }
    this.suspectedOrphans = suspects;
  }

  private every(intervalMs: number, work: (signal: AbortSignal) => Promise<void>): Promise<void> {
    return repeatEvery(this.clock, intervalMs, this.stop.signal, work, (error) =>
      this.logger.error({ msg: 'healing pass failed', err: error }),
    );
  }
}
