import { LoggerService } from '@nestjs/common';
import { HealthConfig } from '../config/health.config';
import { ScalingConfig } from '../config/scaling.config';
import { BackendReadiness } from '../health/backend-readiness';
import {
  InstanceLifecycle,
  instanceFields,
  InstanceState,
  LaunchState,
  seconds,
} from '../pool/instance-lifecycle';
import { InstancePool } from '../pool/instance-pool';
import { isCloudApiUnavailable } from '../providers/cloud-api-health';
import { Clock } from '../clock/clock';
import { InstanceProvider, InstanceSnapshot } from '../providers/instance-provider';
import { poll, PollTimeoutError } from '../resilience/backoff';
import { InstanceDeleter } from './instance-deleter';
import { LaunchEvent, LaunchKind } from './scaling-event';
import { WarmMember, WarmPoolService } from './warm-pool/warm-pool.service';

export interface LaunchDependencies {
  /** The provider everyone injects: it already puts a deadline on every call (MonitoredInstanceProvider). */
  readonly provider: InstanceProvider;
  readonly readiness: BackendReadiness;
  readonly pool: InstancePool;
  readonly clock: Clock;
  readonly scaling: ScalingConfig;
  readonly health: HealthConfig;
  readonly logger: LoggerService;
  readonly deleter: InstanceDeleter;
  /** Where a scale-out or replacement takes a stopped server from before creating one (scaling.warmPool). */
  readonly warmPool?: Pick<WarmPoolService, 'take' | 'start' | 'admitted' | 'released'>;
}

/** The image (and `osa:` metadata) a refresh launch creates from, instead of the golden image. */
export interface LaunchImage {
  readonly imageId: string;
  readonly metadata: Readonly<Record<string, string>>;
}

/** Why a launch stopped, and in which state. */
export class LaunchFailure extends Error {
  constructor(
    readonly phase: LaunchState,
    message: string,
    /** The cloud API, not the instance, was the problem (e.g. every status call failed until the deadline). */
    readonly cloudApiUnavailable = false,
  ) {
    super(message);
    this.name = 'LaunchFailure';
  }
}

/**
 * Brings one instance in: a new one for a scale-out or a replacement, or an adopted server of our
 * group found after a restart (given `existing`, it starts at `booting` with that server's id).
 * The lifecycle (pool/instance-lifecycle.ts): `creating -> booting -> addressing -> health-checking
 * -> admitted`, `failed` from any of them (what was created is deleted; cleanup is armed the
 * moment the provider returns an id), or `stopped` when the controller shuts down first.
 */
export class InstanceLaunch {
  readonly event: LaunchEvent;
  private readonly lifecycle: InstanceLifecycle<LaunchState>;
  private createdId: string | undefined;
  /** Set when this launch started a warm server instead of creating one. */
  private warm: WarmMember | undefined;
  /** When the create (or start) call went out: status polls back off from here (scaling.fastAdmission). */
  private requestedMs: number | undefined;

  constructor(
    private readonly deps: LaunchDependencies,
    sequence: number,
    kind: LaunchKind,
    trigger: string,
    instanceName: string,
    private readonly existing?: InstanceSnapshot,
    /** Instance refresh: this image and checkpoint metadata instead of the golden image. */
    private readonly image?: LaunchImage,
  ) {
    this.event = {
      sequence,
      kind,
      trigger,
      startedAt: deps.clock.now().toISOString(),
      state: existing ? 'booting' : 'creating',
      instanceName,
      instanceId: existing?.id,
      phaseDurationsMs: {},
    };
    this.lifecycle = new InstanceLifecycle<LaunchState>(
      this.event,
      deps.clock,
      deps.logger,
      (state) => this.mirrorInPool(state),
    );
    if (existing) {
      // Registered at once, so the instance counts toward the desired number from the first moment.
      this.createdId = existing.id;
      deps.pool.register({ id: existing.id, name: existing.name, role: 'clone', phase: 'booting' });
    }
  }

  get currentState(): InstanceState {
    return this.lifecycle.state;
  }

  /** The instance this launch brings in, once the provider gave its id (or the adopted one's). */
  get instanceId(): string | undefined {
    return this.createdId;
  }

  /** Runs to `admitted`, `failed` or `stopped`; never rejects. `signal` aborts it (shutdown), which also cleans up. */
  async execute(signal: AbortSignal): Promise<LaunchEvent> {
    // Only a scale-out or a replacement from the golden image takes a warm server (a refresh names its own image).
    const mayTakeWarm =
      !this.existing &&
      !this.image &&
      (this.event.kind === 'scale-out' || this.event.kind === 'replacement');
    this.warm = mayTakeWarm ? this.deps.warmPool?.take() : undefined;
    if (this.existing) {
      this.log({
        msg: 'adopting: it must pass the same states as a new instance',
        foundStatus: this.existing.status,
      });
    } else if (this.warm) {
      this.log({
        msg: 'starting a warm server instead of creating one',
        warmServerName: this.warm.name,
        warmServerId: this.warm.id,
        provider: this.deps.provider.kind,
      });
    } else {
      this.log({
        msg: 'creating from the golden image',
        phase: 'creating',
        provider: this.deps.provider.kind,
        ...(this.image ? { imageId: this.image.imageId } : {}),
      });
    }
    try {
      let active: InstanceSnapshot;
      if (this.warm) {
        active = await this.poweringOn(this.warm, signal);
      } else {
        if (!this.existing) await this.creating(signal);
        active = await this.booting(signal);
      }
      const host = await this.addressing(active, signal);
      await this.healthChecking(host, signal);
      // Into rotation first: if that throws, the launch is still a failure to clean up, not `admitted`.
      this.deps.pool.admit(this.requireId());
      this.lifecycle.enter('admitted');
      if (this.warm) this.deps.warmPool?.admitted(this.warm.id);
    } catch (error) {
      await this.fail(error, signal);
    }
    if (this.warm) this.deps.warmPool?.released(this.warm.id);
    this.event.finishedAt = this.deps.clock.now().toISOString();
    this.event.totalMs = this.lifecycle.elapsedMs();
    return this.event;
  }

  /** A warm server instead of a create: marked `starting`, os-start (or unshelve), then polled until ACTIVE. */
  private async poweringOn(warm: WarmMember, signal: AbortSignal): Promise<InstanceSnapshot> {
    this.createdId = warm.id;
    this.event.instanceId = warm.id;
    this.event.instanceName = warm.name;
    this.deps.pool.register({ id: warm.id, name: warm.name, role: 'clone', phase: 'powering-on' });
    this.lifecycle.enter(
      'powering-on',
      `taken from the warm pool instead of a create (image ${warm.imageId ?? 'unknown'})`,
    );
    this.requestedMs = this.deps.clock.nowMs();
    await this.deps.warmPool?.start(warm, signal);
    // SHUTOFF (still powering on) is expected here for a moment; ERROR or a vanished server is not.
    return this.pollStatus(
      'powering-on',
      this.deps.scaling.bootTimeoutMs,
      'scaling.bootTimeoutMs',
      signal,
      (snapshot) => {
        if (snapshot.status === 'ACTIVE') return true;
        if (snapshot.status !== 'SHUTOFF' && snapshot.status !== 'BUILD')
          this.failOnBadStatus('powering-on', snapshot);
        return false;
      },
    );
  }

  private async creating(signal: AbortSignal): Promise<void> {
    this.requestedMs = this.deps.clock.nowMs();
    const created = await this.deps.provider.create({
      name: this.event.instanceName,
      reason: this.event.kind === 'replacement' ? 'replacement' : 'scale-out',
      signal,
      imageId: this.image?.imageId,
      metadata: this.image?.metadata,
    });
    // Cleanup is armed from here on: any failure below deletes this id.
    this.createdId = created.id;
    this.event.instanceId = created.id;
    this.deps.pool.register({
      id: created.id,
      name: created.name,
      role: 'clone',
      phase: 'booting',
    });
    this.lifecycle.enter('booting');
  }

  /** Polls the status until ACTIVE; ERROR fails at once with the fault. */
  private async booting(signal: AbortSignal): Promise<InstanceSnapshot> {
    return this.pollStatus(
      'booting',
      this.deps.scaling.bootTimeoutMs,
      'scaling.bootTimeoutMs',
      signal,
      (snapshot) => {
        if (snapshot.status === 'ACTIVE') return true;
        this.failOnBadStatus('booting', snapshot);
        return false;
      },
    );
  }

  /** ACTIVE, but the address on the configured network may appear later (port binding): retry within the timeout. */
  private async addressing(active: InstanceSnapshot, signal: AbortSignal): Promise<string> {
    this.lifecycle.enter('addressing');
    if (active.address) return this.addressed(active.address);
    const withAddress = await this.pollStatus(
      'addressing',
      this.deps.scaling.addressTimeoutMs,
      'scaling.addressTimeoutMs',
      signal,
      (snapshot) => {
        if (snapshot.status === 'ACTIVE' && snapshot.address) return true;
        if (snapshot.status !== 'ACTIVE') this.failOnBadStatus('addressing', snapshot, true);
        return false;
      },
    );
    return this.addressed(withAddress.address as string);
  }

  private addressed(host: string): string {
    const id = this.requireId();
    this.event.address = `${host}:${this.deps.provider.servicePort}`;
    this.deps.pool.setBackend(id, { id, host, port: this.deps.provider.servicePort });
    return host;
  }

  private async healthChecking(host: string, signal: AbortSignal): Promise<void> {
    this.lifecycle.enter('health-checking');
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
          passIntervalMs: scaling.fastAdmission.passIntervalMs,
          onCheck: (result, passes) => {
            logger.debug?.({
              msg: 'health check',
              ...this.fields(),
              passed: result.ok,
              detail: result.detail,
              passesInARow: passes,
              passesToAdmit: health.passesToAdmit,
            });
            if (clock.nowMs() - lastProgressMs >= scaling.progressLogIntervalMs) {
              lastProgressMs = clock.nowMs();
              this.log({
                msg: 'still waiting',
                phase: 'health-checking',
                elapsedMs: this.lifecycle.inStateMs(),
                lastSeen: result.detail,
                timeoutMs: health.readinessTimeoutMs,
              });
            }
          },
        },
      );
    } catch (error) {
      if (signal.aborted) throw error;
      // Aborted by the watcher (the server died), or the checks failed on their own: stop it and ask.
      stopWatching.abort();
      const death = await died;
      throw death ?? new LaunchFailure('health-checking', (error as Error).message);
    } finally {
      stopWatching.abort();
      await died;
    }
  }

  /** Watches the status (the same poller, at its longest interval) until `signal`; a dead server aborts `stop` and resolves with why. */
  private async watchForDeath(
    signal: AbortSignal,
    stop: AbortController,
  ): Promise<LaunchFailure | undefined> {
    const { provider, clock, scaling } = this.deps;
    const id = this.requireId();
    try {
      await poll(
        (callSignal) => provider.describe(id, callSignal),
        (snapshot) => {
          if (snapshot.status !== 'ACTIVE' && snapshot.status !== 'BUILD')
            this.failOnBadStatus('health-checking', snapshot, true);
          return { done: false, seen: snapshot.status };
        },
        {
          clock,
          signal,
          timeoutMs: Number.POSITIVE_INFINITY,
          minIntervalMs: scaling.statusPollMaxMs,
          maxIntervalMs: scaling.statusPollMaxMs,
          // A failed status call is no verdict: the health checks decide then.
          isFatal: (error) => error instanceof LaunchFailure,
          progressIntervalMs: Number.POSITIVE_INFINITY,
        },
      );
    } catch (error) {
      if (error instanceof LaunchFailure) {
        stop.abort(error);
        return error;
      }
      // Shutting down, or the checks are done.
    }
    return undefined;
  }

  /** The shared poller (resilience/backoff.ts) on this instance's status, until `ready` holds. */
  private async pollStatus(
    phase: LaunchState,
    timeoutMs: number,
    timeoutKey: string,
    signal: AbortSignal,
    ready: (snapshot: InstanceSnapshot) => boolean,
  ): Promise<InstanceSnapshot> {
    const { provider, clock, scaling } = this.deps;
    const id = this.requireId();
    try {
      return await poll(
        (callSignal) => provider.describe(id, callSignal),
        (snapshot) =>
          ready(snapshot)
            ? { done: true, value: snapshot }
            : { done: false, seen: describeSnapshot(snapshot) },
        {
          clock,
          signal,
          timeoutMs,
          // Adaptive from the moment of the create (scaling.fastAdmission): short intervals first, backing off.
          minIntervalMs: Math.min(
            scaling.statusPollInitialMs,
            scaling.fastAdmission.firstStatusPollMs,
          ),
          maxIntervalMs: scaling.statusPollMaxMs,
          sinceMs: this.requestedMs,
          isFatal: (error) => error instanceof LaunchFailure,
          onAskFailed: (error) =>
            this.deps.logger.warn({
              msg: 'status call failed: retrying until the phase timeout',
              ...this.fields(),
              phase,
              err: error,
            }),
          progressIntervalMs: scaling.progressLogIntervalMs,
          onProgress: (_waitedMs, lastSeen) =>
            this.log({
              msg: 'still waiting',
              phase,
              elapsedMs: this.lifecycle.inStateMs(),
              lastSeen,
              timeoutMs,
            }),
        },
      );
    } catch (error) {
      if (!(error instanceof PollTimeoutError)) throw error;
      throw new LaunchFailure(
        phase,
        `${phase} timed out after ${seconds(timeoutMs)} (${timeoutKey}); last seen: ${error.lastSeen}`,
        error.lastAskFailed !== undefined && isCloudApiUnavailable(error.lastAskFailed),
      );
    }
  }

  private failOnBadStatus(
    phase: LaunchState,
    snapshot: InstanceSnapshot,
    activeExpected = false,
  ): void {
    if (snapshot.status === 'ERROR')
      throw new LaunchFailure(
        phase,
        `server went to ERROR: ${snapshot.fault ?? 'no fault message given'}`,
      );
    if (snapshot.status === 'DELETED')
      throw new LaunchFailure(phase, 'server disappeared (deleted behind our back)');
    if (snapshot.status === 'SHUTOFF') throw new LaunchFailure(phase, 'server is SHUTOFF');
    if (activeExpected)
      throw new LaunchFailure(phase, `server left ACTIVE (now ${snapshot.status})`);
  }

  private async fail(error: unknown, signal: AbortSignal): Promise<void> {
    const state = this.lifecycle.state;
    const phase: LaunchState =
      state === 'creating' ||
      state === 'powering-on' ||
      state === 'booting' ||
      state === 'addressing'
        ? state
        : 'health-checking';
    const stopped = signal.aborted;
    const reason = stopped
      ? 'cancelled: the controller is shutting down'
      : error instanceof LaunchFailure
        ? error.message
        : `${phase} failed: ${(error as Error)?.message ?? String(error)}`;
    const failedPhase = error instanceof LaunchFailure ? error.phase : phase;
    const cloudApiUnavailable =
      !stopped &&
      (error instanceof LaunchFailure ? error.cloudApiUnavailable : isCloudApiUnavailable(error));
    this.event.failure = {
      phase: failedPhase,
      reason,
      cloudApiUnavailable,
      cleanup: 'nothing was created',
    };
    // Shutdown is not the instance's failure: recorded as stopped (issue 12 §3).
    if (stopped) this.lifecycle.enter('stopped', reason);
    else this.lifecycle.enter('failed', reason, 'error');
    this.event.failure.cleanup = await this.cleanUp();
  }

  /** Deletes what this launch created (through the InstanceDeleter); also finds a server whose create call timed out. */
  private async cleanUp(): Promise<string> {
    const { provider, pool, logger, deleter } = this.deps;
    let id = this.createdId;
    if (!id) {
      // The create call may have failed after Nova accepted it: look for our name in the group.
      try {
        const group = await provider.listGroup();
        id = group.find((instance) => instance.name === this.event.instanceName)?.id;
      } catch (error) {
        const note = `could not check for a half-created ${this.event.instanceName}: ${(error as Error).message}`;
        logger.error({
          msg: 'could not check for a half-created instance',
          ...this.fields(),
          err: error,
        });
        return note;
      }
      if (!id) return 'nothing was created';
      this.event.instanceId = id;
    }
    if (pool.get(id)) pool.setPhase(id, 'deleting');
    const outcome = await deleter.delete(
      { id, name: this.event.instanceName },
      `${this.event.kind} #${this.event.sequence}`,
    );
    // From here the deleter owns it (a failed delete is retried in the background until it is gone).
    pool.remove(id);
    if (outcome.deleted) this.log({ msg: 'deleted: nothing left behind', instanceId: id });
    return outcome.note;
  }

  /** The pool shows the launch states too (metrics and /status read them there). */
  private mirrorInPool(state: InstanceState): void {
    if (
      state !== 'creating' &&
      state !== 'powering-on' &&
      state !== 'booting' &&
      state !== 'addressing' &&
      state !== 'health-checking'
    )
      return;
    if (this.createdId && this.deps.pool.get(this.createdId))
      this.deps.pool.setPhase(this.createdId, state);
  }

  /** Which launch and instance a record is about (instanceId once Nova or the local provider gave one). */
  private fields(): ReturnType<typeof instanceFields> {
    return instanceFields({ ...this.event, instanceId: this.createdId ?? this.event.instanceId });
  }

  private log(record: { msg: string } & Record<string, unknown>): void {
    this.deps.logger.log({ ...this.fields(), ...record });
  }

  private requireId(): string {
    if (!this.createdId) throw new Error('no instance id yet');
    return this.createdId;
  }
}

function describeSnapshot(snapshot: InstanceSnapshot): string {
  return snapshot.status === 'ACTIVE' && !snapshot.address
    ? `ACTIVE without an address${snapshot.addressProblem ? ` (${snapshot.addressProblem})` : ''}`
    : snapshot.status;
}
