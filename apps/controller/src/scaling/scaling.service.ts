import { randomBytes } from 'node:crypto';
import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { HealthConfig } from '../config/health.config';
import { ProviderConfig } from '../config/provider.config';
import { ScalingConfig } from '../config/scaling.config';
import { BackendReadiness } from '../health/backend-readiness';
import { InstancePool } from '../pool/instance-pool';
import { PoolInstance } from '../pool/pool-instance';
import { TRAFFIC_SELECTOR, TrafficSelector } from '../pool/traffic-selector';
import { Clock, CLOCK } from '../providers/clock';
import { INSTANCE_PROVIDER, InstanceProvider } from '../providers/instance-provider';
import { RequestCountPolicy } from './request-count-policy';
import { ScaleEvent } from './scale-event';
import { ScaleOutGate } from './scale-out-gate';
import { ScaleOutDependencies, ScaleOutRun } from './scale-out-run';

/** How many finished scale events /status keeps. */
const SCALE_EVENTS_KEPT = 50;
/** How long a retired instance's in-flight requests may take before it is deleted anyway. */
const RETIRE_DRAIN_MS = 30_000;

/** Decides when to scale out and runs one scale-out at a time, with the gate and the back-off around it. */
@Injectable()
export class ScalingService implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Scaling');
  private readonly shutdown = new AbortController();
  private running: { run: ScaleOutRun; done: Promise<void> } | undefined;
  private readonly history: ScaleEvent[] = [];
  private sequence = 0;
  private consecutiveFailures = 0;
  private notBeforeMs = 0;
  private saidAtCapacity = false;
  private saidBackingOff = false;
  private readonly runDependencies: ScaleOutDependencies;

  constructor(
    private readonly config: ScalingConfig,
    private readonly providerConfig: ProviderConfig,
    private readonly policy: RequestCountPolicy,
    private readonly gate: ScaleOutGate,
    private readonly pool: InstancePool,
    @Inject(TRAFFIC_SELECTOR) private readonly selector: TrafficSelector,
    @Inject(INSTANCE_PROVIDER) provider: InstanceProvider,
    readiness: BackendReadiness,
    health: HealthConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.runDependencies = { provider, readiness, pool, clock, scaling: config, health, logger: new Logger('ScaleOut') };
  }

  /**
   * Called synchronously for every request that is about to be served. When this request is the
   * N-th since the last scale event (and capacity and back-off allow) the scale-out starts and the
   * gate closes before this function returns, so this very request is answered 503 (seed: request 10).
   */
  countRequest(): void {
    if (!this.policy.count() || this.running) return;
    if (this.pool.capacityUsed() >= this.config.maxInstances) {
      if (!this.saidAtCapacity) {
        this.saidAtCapacity = true;
        this.logger.log(`threshold of ${this.policy.threshold} requests reached, but already at scaling.maxInstances=${this.config.maxInstances}: no scale-out`);
      }
      return;
    }
    const waitMs = this.notBeforeMs - this.clock.nowMs();
    if (waitMs > 0) {
      if (!this.saidBackingOff) {
        this.saidBackingOff = true;
        this.logger.log(`threshold reached, but backing off for another ${(waitMs / 1000).toFixed(1)}s after ${this.consecutiveFailures} failed scale-out(s)`);
      }
      return;
    }
    this.startScaleOut(`request ${this.policy.counted} since the last scale event reached scaling.thresholdRequests=${this.policy.threshold}`);
  }

  /** The scale-out in progress, if any. */
  inProgress(): ScaleEvent | undefined {
    return this.running?.run.event;
  }

  /** Finished scale events, oldest first (at most 50). */
  events(): readonly ScaleEvent[] {
    return this.history;
  }

  backoff(): { consecutiveFailures: number; nextAllowedInMs: number } {
    return { consecutiveFailures: this.consecutiveFailures, nextAllowedInMs: Math.max(0, Math.round(this.notBeforeMs - this.clock.nowMs())) };
  }

  /** Resolves when the running scale-out (if any) has finished; for tests and shutdown. */
  async settled(): Promise<void> {
    await this.running?.done;
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.shutdown.abort();
    await this.settled();
  }

  private startScaleOut(trigger: string): void {
    this.policy.reset();
    this.gate.close('scaling out: a new instance is being started, retry shortly');
    this.sequence++;
    const name = `${this.providerConfig.namePrefix}${randomBytes(4).toString('hex').slice(0, 5)}`;
    const previouslyServing = this.selector.serving();
    this.logger.log(
      `scale-out #${this.sequence} triggered: ${trigger} (${this.pool.capacityUsed()} of max ${this.config.maxInstances} instances); ` +
        `clients get 503 + Retry-After: ${this.config.retryAfterSeconds} until it ends`,
    );
    const run = new ScaleOutRun(this.runDependencies, this.sequence, trigger, name);
    const done = run
      .execute(this.shutdown.signal)
      .then((event) => this.finished(event, previouslyServing))
      .catch((error: unknown) => this.logger.error(`scale-out #${run.event.sequence} bookkeeping failed: ${String(error)}`))
      .finally(() => {
        // Whatever happened, clients must not stay on 503.
        this.running = undefined;
        this.gate.open();
      });
    this.running = { run, done };
  }

  private finished(event: ScaleEvent, previouslyServing: PoolInstance[]): void {
    this.history.push(event);
    if (this.history.length > SCALE_EVENTS_KEPT) this.history.shift();
    this.policy.reset();
    this.saidAtCapacity = false;
    this.saidBackingOff = false;
    if (event.state === 'admitted') {
      this.consecutiveFailures = 0;
      this.notBeforeMs = 0;
      this.logger.log(`scale-out #${event.sequence} done in ${((event.totalMs ?? 0) / 1000).toFixed(2)}s: ${event.instanceName} at ${event.address} admitted; gate open`);
      if (!this.config.keepPreviousInstance) this.retire(previouslyServing.filter((instance) => instance.id !== event.instanceId));
      return;
    }
    this.consecutiveFailures++;
    const backoffMs = Math.min(this.config.failureBackoffInitialMs * 2 ** (this.consecutiveFailures - 1), this.config.failureBackoffMaxMs);
    this.notBeforeMs = this.clock.nowMs() + backoffMs;
    if (this.shutdown.signal.aborted) return;
    this.logger.warn(
      `scale-out #${event.sequence} failed in ${event.failure?.phase}: ${event.failure?.reason}; ${event.failure?.cleanup}; ` +
        `gate open, clients stay on the current instance; next attempt no sooner than ${(backoffMs / 1000).toFixed(1)}s from now`,
    );
  }

  /**
   * keepPreviousInstance=false: clones we switched away from are drained (no new requests reach
   * them in switch mode; in-flight ones get up to RETIRE_DRAIN_MS) and deleted. The original never is.
   */
  private retire(instances: PoolInstance[]): void {
    for (const instance of instances) {
      if (instance.role === 'original') {
        this.logger.log(`${instance.name} kept: the original is never deleted by the controller`);
        continue;
      }
      this.pool.setPhase(instance.id, 'deleting');
      void this.drainAndDelete(instance);
    }
  }

  private async drainAndDelete(instance: PoolInstance): Promise<void> {
    const deadlineMs = this.clock.nowMs() + RETIRE_DRAIN_MS;
    while (instance.inFlight > 0 && this.clock.nowMs() < deadlineMs) await this.clock.sleep(100);
    try {
      await this.runDependencies.provider.delete(instance.id);
      this.pool.remove(instance.id);
      this.logger.log(`${instance.name} deleted (scaling.keepPreviousInstance=false)`);
    } catch (error) {
      this.logger.error(`could not delete ${instance.name} (${instance.id}): ${(error as Error).message}`);
    }
  }
}
