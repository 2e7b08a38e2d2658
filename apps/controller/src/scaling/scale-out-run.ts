import { LoggerService } from '@nestjs/common';
import { HealthConfig } from '../config/health.config';
import { ScalingConfig } from '../config/scaling.config';
import { BackendReadiness } from '../health/backend-readiness';
import { InstancePool } from '../pool/instance-pool';
import { isCloudApiUnavailable } from '../providers/cloud-api-health';
import { Clock } from '../providers/clock';
import { InstanceProvider, InstanceSnapshot } from '../providers/instance-provider';
import { callWithTimeout } from '../providers/provider-call';
import { InstanceDeleter } from './instance-deleter';
import { ScaleEvent, ScaleEventKind, ScaleOutPhase, ScaleOutState } from './scale-event';

export interface ScaleOutDependencies {
  readonly provider: InstanceProvider;
  readonly readiness: BackendReadiness;
  readonly pool: InstancePool;
  readonly clock: Clock;
  readonly scaling: ScalingConfig;
  readonly health: HealthConfig;
  readonly logger: LoggerService;
  readonly deleter: InstanceDeleter;
}

/** Why a scale-out stopped, and in which phase. */
export class ScaleOutFailure extends Error {
  constructor(
    readonly phase: ScaleOutPhase,
    message: string,
    /** The cloud API, not the instance, was the problem (e.g. every status call failed until the deadline). */
    readonly cloudApiUnavailable = false,
  ) {
    super(message);
    this.name = 'ScaleOutFailure';
  }
}

/**
 * One scale-out as a state machine:
 * `creating -> booting -> addressing -> health-checking -> admitted`, or `failed` from any of them.
 * Every transition is logged exactly once with the instance id and the elapsed time. `failed`
 * deletes what was created; cleanup is armed the moment the provider returns an id.
 *
 * The same machine brings in a replacement (self-healing) and adopts a server of our group found
 * after a restart: given `existing`, it starts at `booting` with that server's id.
 */
export class ScaleOutRun {
  readonly event: ScaleEvent;
  private state: ScaleOutState = 'creating';
  private readonly startedMs: number;
  private phaseStartedMs: number;
  private createdId: string | undefined;

  constructor(
    private readonly deps: ScaleOutDependencies,
    sequence: number,
    kind: ScaleEventKind,
    trigger: string,
    instanceName: string,
    private readonly existing?: InstanceSnapshot,
  ) {
    this.startedMs = deps.clock.nowMs();
    this.phaseStartedMs = this.startedMs;
    this.state = existing ? 'booting' : 'creating';
    this.event = {
      sequence,
      kind,
      trigger,
      startedAt: deps.clock.now().toISOString(),
      state: this.state,
      instanceName,
      instanceId: existing?.id,
      phaseDurationsMs: {},
    };
    if (existing) {
      // Registered at once, so the instance counts toward the desired number from the first moment.
      this.createdId = existing.id;
      deps.pool.register({ id: existing.id, name: existing.name, role: 'clone', phase: 'booting' });
    }
  }

  get currentState(): ScaleOutState {
    return this.state;
  }

  /** The instance this run brings in, once the provider gave its id (or the adopted one's). */
  get instanceId(): string | undefined {
    return this.createdId;
  }

  /** Runs to `admitted` or `failed`; never rejects. `signal` aborts it (shutdown), which also cleans up. */
  async execute(signal: AbortSignal): Promise<ScaleEvent> {
    if (this.existing) {
      this.log(`adopting ${this.existing.name}, found ${this.existing.status} in the group: it must pass the same states as a new instance`);
    } else {
      this.log(`creating ${this.event.instanceName} from the golden image (${this.deps.provider.kind} provider)`);
    }
    try {
      if (!this.existing) await this.creating(signal);
      const active = await this.booting(signal);
      const host = await this.addressing(active, signal);
      await this.healthChecking(host, signal);
      this.transition('admitted');
      this.deps.pool.admit(this.requireId());
    } catch (error) {
      await this.fail(error, signal);
    }
    this.event.finishedAt = this.deps.clock.now().toISOString();
    this.event.totalMs = this.elapsedMs(this.startedMs);
    return this.event;
  }

  private async creating(signal: AbortSignal): Promise<void> {
    const { provider, scaling } = this.deps;
    const created = await callWithTimeout(`create ${this.event.instanceName}`, scaling.providerCallTimeoutMs, signal, (callSignal) =>
      provider.create({ name: this.event.instanceName, reason: this.event.kind === 'replacement' ? 'replacement' : 'scale-out', signal: callSignal }),
    );
    // Cleanup is armed from here on: any failure below deletes this id.
    this.createdId = created.id;
    this.event.instanceId = created.id;
    this.deps.pool.register({ id: created.id, name: created.name, role: 'clone', phase: 'booting' });
    this.transition('booting');
  }

  /** Polls the status with a growing interval until ACTIVE; ERROR fails at once with the fault. */
  private async booting(signal: AbortSignal): Promise<InstanceSnapshot> {
    const { scaling } = this.deps;
    return this.poll('booting', scaling.bootTimeoutMs, 'scaling.bootTimeoutMs', signal, (snapshot) => {
      if (snapshot.status === 'ACTIVE') return snapshot;
      this.failOnBadStatus('booting', snapshot);
      return undefined;
    });
  }

  /** ACTIVE, but the address on the configured network may appear later (port binding): retry within the timeout. */
  private async addressing(active: InstanceSnapshot, signal: AbortSignal): Promise<string> {
    this.transition('addressing');
    if (active.address) return this.addressed(active.address);
    const { scaling } = this.deps;
    const withAddress = await this.poll('addressing', scaling.addressTimeoutMs, 'scaling.addressTimeoutMs', signal, (snapshot) => {
      if (snapshot.status === 'ACTIVE' && snapshot.address) return snapshot;
      if (snapshot.status !== 'ACTIVE') this.failOnBadStatus('addressing', snapshot, true);
      return undefined;
    });
    return this.addressed(withAddress.address as string);
  }

  private addressed(host: string): string {
    const id = this.requireId();
    this.event.address = `${host}:${this.deps.provider.servicePort}`;
    this.deps.pool.setBackend(id, { id, host, port: this.deps.provider.servicePort });
    return host;
  }

  private async healthChecking(host: string, signal: AbortSignal): Promise<void> {
    this.transition('health-checking');
    const { readiness, health, clock, scaling, logger } = this.deps;
    let lastProgressMs = clock.nowMs();
    // The server may still die while its health is checked (a VM to ERROR, a process exiting):
    // a watcher polls its status meanwhile, so that fails at once instead of at the readiness timeout.
    const stopWatching = new AbortController();
    const checking = AbortSignal.any([signal, stopWatching.signal]);
    const died = this.watchForDeath(checking, stopWatching);
    try {
      await readiness.waitUntilReady(
        { host, port: this.deps.provider.servicePort },
        {
          signal: checking,
          onCheck: (result, passes) => {
            logger.debug?.(`${this.label()}: health check ${result.ok ? 'passed' : 'failed'} (${result.detail}), ${passes}/${health.passesToAdmit} in a row`);
            if (clock.nowMs() - lastProgressMs >= scaling.progressLogIntervalMs) {
              lastProgressMs = clock.nowMs();
              this.log(`still health-checking after ${seconds(this.elapsedMs(this.phaseStartedMs))} (last check: ${result.detail}; timeout ${seconds(health.readinessTimeoutMs)})`);
            }
          },
        },
      );
    } catch (error) {
      if (signal.aborted) throw error;
      // Aborted by the watcher (the server died), or the checks failed on their own: stop it and ask.
      stopWatching.abort();
      const death = await died;
      throw death ?? new ScaleOutFailure('health-checking', (error as Error).message);
    } finally {
      stopWatching.abort();
      await died;
    }
  }

  /** Polls the status every statusPollMaxMs until `signal`; a dead server aborts `stop` and resolves with why. */
  private async watchForDeath(signal: AbortSignal, stop: AbortController): Promise<ScaleOutFailure | undefined> {
    const { provider, clock, scaling } = this.deps;
    const id = this.requireId();
    while (!signal.aborted) {
      try {
        await clock.sleep(scaling.statusPollMaxMs, signal);
        const snapshot = await provider.describe(id, signal);
        if (snapshot.status === 'ACTIVE' || snapshot.status === 'BUILD') continue;
        this.failOnBadStatus('health-checking', snapshot, true);
      } catch (error) {
        if (error instanceof ScaleOutFailure) {
          stop.abort(error);
          return error;
        }
        // Shutting down, checks done, or a status call failed (the checks decide then).
      }
    }
    return undefined;
  }

  /**
   * Describes the instance until `done` returns a value. Adaptive interval: a quarter of the time
   * already waited, between statusPollInitialMs and statusPollMaxMs -- quick polls while a fast
   * boot may finish any moment, few calls during a long VM boot, and never more than a quarter
   * late. Provider errors are retried until the deadline (a cloud API hiccup must not fail a
   * scale-out on its own).
   */
  private async poll(
    phase: ScaleOutPhase,
    timeoutMs: number,
    timeoutKey: string,
    signal: AbortSignal,
    done: (snapshot: InstanceSnapshot) => InstanceSnapshot | undefined,
  ): Promise<InstanceSnapshot> {
    const { provider, clock, scaling } = this.deps;
    const id = this.requireId();
    const startedMs = clock.nowMs();
    const deadlineMs = startedMs + timeoutMs;
    let lastProgressMs = startedMs;
    let lastSeen = 'nothing yet';
    let lastCallFailedOnApi = false;
    for (;;) {
      try {
        const snapshot = await callWithTimeout(`status of ${this.event.instanceName}`, scaling.providerCallTimeoutMs, signal, (callSignal) =>
          provider.describe(id, callSignal),
        );
        lastSeen =
          snapshot.status === 'ACTIVE' && !snapshot.address
            ? `ACTIVE without an address${snapshot.addressProblem ? ` (${snapshot.addressProblem})` : ''}`
            : snapshot.status;
        lastCallFailedOnApi = false;
        const result = done(snapshot);
        if (result) return result;
      } catch (error) {
        if (error instanceof ScaleOutFailure || signal.aborted) throw error;
        lastCallFailedOnApi = isCloudApiUnavailable(error);
        lastSeen = `status call failed: ${(error as Error).message}`;
        this.deps.logger.warn(`${this.label()}: ${lastSeen} (retrying until the ${phase} timeout)`);
      }
      const nowMs = clock.nowMs();
      if (nowMs >= deadlineMs) {
        throw new ScaleOutFailure(phase, `${phase} timed out after ${seconds(timeoutMs)} (${timeoutKey}); last seen: ${lastSeen}`, lastCallFailedOnApi);
      }
      if (nowMs - lastProgressMs >= scaling.progressLogIntervalMs) {
        lastProgressMs = nowMs;
        this.log(`still ${phase} after ${seconds(this.elapsedMs(this.phaseStartedMs))}: ${lastSeen} (timeout ${seconds(timeoutMs)})`);
      }
      const intervalMs = Math.min(Math.max(Math.round((nowMs - startedMs) / 4), scaling.statusPollInitialMs), scaling.statusPollMaxMs);
      await clock.sleep(Math.min(intervalMs, Math.max(deadlineMs - nowMs, 1)), signal);
    }
  }

  private failOnBadStatus(phase: ScaleOutPhase, snapshot: InstanceSnapshot, activeExpected = false): void {
    if (snapshot.status === 'ERROR') throw new ScaleOutFailure(phase, `server went to ERROR: ${snapshot.fault ?? 'no fault message given'}`);
    if (snapshot.status === 'DELETED') throw new ScaleOutFailure(phase, 'server disappeared (deleted behind our back)');
    if (snapshot.status === 'SHUTOFF') throw new ScaleOutFailure(phase, 'server is SHUTOFF');
    if (activeExpected) throw new ScaleOutFailure(phase, `server left ACTIVE (now ${snapshot.status})`);
  }

  private async fail(error: unknown, signal: AbortSignal): Promise<void> {
    const phase = this.state === 'admitted' || this.state === 'failed' ? 'health-checking' : this.state;
    const reason = signal.aborted
      ? 'cancelled: the controller is shutting down'
      : error instanceof ScaleOutFailure
        ? error.message
        : `${phase} failed: ${(error as Error)?.message ?? String(error)}`;
    const failedPhase = error instanceof ScaleOutFailure ? error.phase : phase;
    const cloudApiUnavailable = !signal.aborted && (error instanceof ScaleOutFailure ? error.cloudApiUnavailable : isCloudApiUnavailable(error));
    this.event.failure = { phase: failedPhase, reason, cloudApiUnavailable, cleanup: 'nothing was created' };
    this.transition('failed', reason, 'error');
    this.event.failure.cleanup = await this.cleanUp();
  }

  /** Deletes what this run created (through the InstanceDeleter); also finds a server whose create call timed out. */
  private async cleanUp(): Promise<string> {
    const { provider, pool, scaling, logger, deleter } = this.deps;
    let id = this.createdId;
    if (!id) {
      // The create call may have failed after Nova accepted it: look for our name in the group.
      try {
        const group = await callWithTimeout('list the group', scaling.providerCallTimeoutMs, undefined, (signal) => provider.listGroup(signal));
        id = group.find((instance) => instance.name === this.event.instanceName)?.id;
      } catch (error) {
        const note = `could not check for a half-created ${this.event.instanceName}: ${(error as Error).message}`;
        logger.error(`${this.event.kind} #${this.event.sequence}: ${note}`);
        return note;
      }
      if (!id) return 'nothing was created';
      this.event.instanceId = id;
    }
    if (pool.get(id)) pool.setPhase(id, 'deleting');
    const outcome = await deleter.delete({ id, name: this.event.instanceName }, `${this.event.kind} #${this.event.sequence}`);
    // From here the deleter owns it (a failed delete is retried in the background until it is gone).
    pool.remove(id);
    if (outcome.deleted) this.log(`deleted ${this.event.instanceName} (${id}): nothing left behind`);
    return outcome.note;
  }

  /** The single place a state change is recorded and logged. */
  private transition(next: ScaleOutState, detail?: string, level: 'log' | 'error' = 'log'): void {
    const previous = this.state;
    const phaseMs = this.elapsedMs(this.phaseStartedMs);
    if (previous !== 'admitted' && previous !== 'failed') this.event.phaseDurationsMs[previous] = phaseMs;
    this.state = next;
    this.event.state = next;
    this.phaseStartedMs = this.deps.clock.nowMs();
    const message = `${this.label()}: ${previous} -> ${next} after ${seconds(phaseMs)} (total ${seconds(this.elapsedMs(this.startedMs))})${detail ? `: ${detail}` : ''}`;
    if (level === 'error') this.deps.logger.error(message);
    else this.deps.logger.log(message);
    if (next !== 'admitted' && next !== 'failed' && this.createdId && this.deps.pool.get(this.createdId)) {
      this.deps.pool.setPhase(this.createdId, next);
    }
  }

  private label(): string {
    const id = this.createdId ? ` [${this.createdId}]` : '';
    const address = this.event.address ? ` at ${this.event.address}` : '';
    return `${this.event.kind} #${this.event.sequence} ${this.event.instanceName}${id}${address}`;
  }

  private log(message: string): void {
    this.deps.logger.log(`${this.label()}: ${message}`);
  }

  private requireId(): string {
    if (!this.createdId) throw new Error('no instance id yet');
    return this.createdId;
  }

  private elapsedMs(fromMs: number): number {
    return Math.round(this.deps.clock.nowMs() - fromMs);
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)}s`;
}
