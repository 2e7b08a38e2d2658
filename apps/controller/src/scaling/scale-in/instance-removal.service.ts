import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { ScalingConfig } from '../../config/scaling.config';
import { InstanceLifecycle, instanceFields, RemovalState } from '../../pool/instance-lifecycle';
import { InstancePool } from '../../pool/instance-pool';
import { PoolInstance } from '../../pool/pool-instance';
import { Clock, CLOCK } from '../../clock/clock';
import { INSTANCE_PROVIDER, InstanceProvider } from '../../providers/instance-provider';
import { InstanceDeleter } from '../instance-deleter';
import { RemovalEvent } from '../scaling-event';
import { ScalingEventLog } from '../scaling-event-log';
import { PlacementState } from '../../providers/placement/placement-state';
import { chooseScaleInVictims } from './scale-in-selector';

export interface RemovalRequest {
  readonly kind: RemovalEvent['kind'];
  readonly trigger: string;
  /** Wait for in-flight requests (scale-in, a failing instance); false for a server already gone. */
  readonly drain: boolean;
}

const DRAIN_POLL_MS = 25;

/**
 * Takes one instance out: `draining` (it gets no new requests from this moment -- the pool's
 * `deleting` phase takes it out of rotation -- and its in-flight requests get up to
 * scaling.scaleIn.drainTimeoutMs), then `deleting` (through the InstanceDeleter), then `removed`.
 * Used by scale-in, manual removal, keepPreviousInstance=false and self-healing alike.
 */
@Injectable()
export class InstanceRemovalService implements BeforeApplicationShutdown {
  private readonly logger = new Logger('ScaleIn');
  private readonly shutdown = new AbortController();
  private readonly running = new Map<string, Promise<RemovalEvent>>();

  constructor(
    private readonly config: ScalingConfig,
    private readonly pool: InstancePool,
    @Inject(INSTANCE_PROVIDER) private readonly provider: InstanceProvider,
    private readonly deleter: InstanceDeleter,
    private readonly eventLog: ScalingEventLog,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly placement: PlacementState,
  ) {}

  /** The admitted instances a scale-in of `count` would remove, per scaling.scaleIn.selection / protectOriginal. */
  choose(count: number): PoolInstance[] {
    const { selection, protectOriginal } = this.config.scaleIn;
    return chooseScaleInVictims(this.pool.admitted(), count, {
      selection,
      protectOriginal,
      zoneOf: (id) => this.placement.zoneOf(id),
    });
  }

  /** Starts removing `instance` (synchronously out of rotation); resolves with the finished event. */
  remove(instance: PoolInstance, request: RemovalRequest): Promise<RemovalEvent> {
    const existing = this.running.get(instance.id);
    if (existing) return existing;
    const event: RemovalEvent = {
      sequence: this.eventLog.nextSequence(),
      kind: request.kind,
      trigger: request.trigger,
      startedAt: this.clock.now().toISOString(),
      state: 'draining',
      instanceName: instance.name,
      instanceId: instance.id,
      address: instance.backend ? `${instance.backend.host}:${instance.backend.port}` : undefined,
      inFlightAtStart: instance.inFlight,
      phaseDurationsMs: {},
    };
    this.pool.setPhase(instance.id, 'deleting');
    this.eventLog.started(event);
    const done = this.run(instance, event, request.drain).finally(() =>
      this.running.delete(instance.id),
    );
    this.running.set(instance.id, done);
    return done;
  }

  get inProgress(): number {
    return this.running.size;
  }

  async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running.values()]);
  }

  async beforeApplicationShutdown(): Promise<void> {
    // Drains end at once; the deletes themselves still run (the desired count already went down).
    this.shutdown.abort();
    await this.settled();
  }

  private async run(
    instance: PoolInstance,
    event: RemovalEvent,
    drain: boolean,
  ): Promise<RemovalEvent> {
    const startedMs = this.clock.nowMs();
    const label = `${event.kind} #${event.sequence} ${instance.name} [${instance.id}]${event.address ? ` at ${event.address}` : ''}`;
    const fields = instanceFields(event);
    const drainTimeoutMs = this.config.scaleIn.drainTimeoutMs;
    this.logger.log({
      msg: drain
        ? 'out of rotation: draining the requests in flight (up to scaling.scaleIn.drainTimeoutMs)'
        : 'out of rotation: nothing to drain',
      ...fields,
      phase: 'draining',
      trigger: event.trigger,
      inFlight: instance.inFlight,
      ...(drain ? { timeoutMs: drainTimeoutMs } : {}),
    });
    const lifecycle = new InstanceLifecycle<RemovalState>(event, this.clock, this.logger);
    if (drain) await this.drain(instance, label, startedMs, drainTimeoutMs);
    // Without a drain, what it had at the start is what it has now: an external data plane's
    // driver counts a leaving instance as busy until its drain is confirmed (data-plane-driver.ts).
    event.inFlightAtDelete = drain ? instance.inFlight : event.inFlightAtStart;
    if (drain && instance.inFlight > 0) {
      this.logger.warn({
        msg: 'requests still in flight at the drain deadline: deleting anyway',
        ...fields,
        inFlight: instance.inFlight,
        elapsedMs: Math.round(this.clock.nowMs() - startedMs),
      });
    }
    lifecycle.enter('deleting');
    let deleted: boolean;
    if (instance.role === 'original' && this.provider.kind !== 'local') {
      event.outcome = 'left running: the controller never deletes the original server';
      deleted = true;
    } else {
      const outcome = await this.deleter.delete(
        { id: instance.id, name: instance.name },
        `${event.kind} #${event.sequence}`,
      );
      event.outcome = outcome.note;
      deleted = outcome.deleted;
    }
    this.pool.remove(instance.id);
    lifecycle.enter(deleted ? 'removed' : 'failed', undefined, deleted ? 'log' : 'error');
    event.finishedAt = this.clock.now().toISOString();
    event.totalMs = Math.round(this.clock.nowMs() - startedMs);
    const drained = event.phaseDurationsMs.draining ?? 0;
    const summary = `drained ${Math.max(0, event.inFlightAtStart - (event.inFlightAtDelete ?? 0))} of ${event.inFlightAtStart} request(s) in ${seconds(drained)}, total ${seconds(event.totalMs)}`;
    if (deleted)
      this.logger.log(
        `${label}: ${instance.name} ${instance.role === 'original' && this.provider.kind !== 'local' ? 'removed from the pool' : 'deleted'} (${event.trigger}); ${summary}`,
      );
    else this.logger.error(`${label}: ${event.outcome}; ${summary}`);
    this.eventLog.finished(event);
    return event;
  }

  private async drain(
    instance: PoolInstance,
    label: string,
    startedMs: number,
    drainTimeoutMs: number,
  ): Promise<void> {
    let lastProgressMs = startedMs;
    while (instance.inFlight > 0 && !this.shutdown.signal.aborted) {
      const nowMs = this.clock.nowMs();
      if (nowMs - startedMs >= drainTimeoutMs) return;
      if (nowMs - lastProgressMs >= this.config.progressLogIntervalMs) {
        lastProgressMs = nowMs;
        this.logger.log(
          `${label}: still draining after ${seconds(nowMs - startedMs)}: ${instance.inFlight} request(s) in flight`,
        );
      }
      try {
        await this.clock.sleep(
          Math.min(DRAIN_POLL_MS, drainTimeoutMs - (nowMs - startedMs)),
          this.shutdown.signal,
        );
      } catch {
        return; // shutting down: delete now
      }
    }
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)}s`;
}
