import { LoggerService } from '@nestjs/common';
import { Clock } from '../../clock/clock';
import { ScalingConfig } from '../../config/scaling.config';
import { BackendReadiness } from '../../health/backend-readiness';
import { InstanceLifecycle, InstanceState, seconds } from '../../pool/instance-lifecycle';
import {
  InstanceProvider,
  InstanceSnapshot,
  METADATA_STATE_KEY,
} from '../../providers/instance-provider';
import { poll, PollTimeoutError } from '../../resilience/backoff';
import { InstanceDeleter } from '../instance-deleter';
import { isQuotaRefusal } from './quota-refusal';
import { WarmMetadataState } from './warm-state';

export interface WarmFillDependencies {
  readonly provider: InstanceProvider;
  readonly readiness: BackendReadiness;
  readonly clock: Clock;
  readonly scaling: ScalingConfig;
  readonly logger: LoggerService;
  readonly deleter: InstanceDeleter;
}

/** How a fill ended. */
export type WarmFillOutcome =
  | {
      readonly kind: 'warm';
      readonly id: string;
      readonly name: string;
      readonly imageId: string | undefined;
      readonly createdEpochMs: number;
    }
  | { readonly kind: 'failed'; readonly reason: string; readonly quotaRefused: boolean }
  | { readonly kind: 'stopped' };

class WarmFillFailure extends Error {}

type FillState = Exclude<
  InstanceState,
  'admitted' | 'draining' | 'deleting' | 'removed' | 'powering-on'
>;

/**
 * Makes one warm server: created from the golden image (`osa:state=warming`), booted, addressed and
 * health-checked like a scale-out (so a broken image never sits in the pool), then stopped (or
 * shelved) and marked `osa:state=warm`. Lifecycle (pool/instance-lifecycle.ts): creating -> booting
 * -> addressing -> health-checking -> powering-off -> warm; failed or stopped deletes what it made.
 */
export class WarmFill {
  /** What the lifecycle logs each state change with (kind `warm-fill`, fields like a launch's). */
  readonly record: {
    readonly kind: 'warm-fill';
    readonly sequence: number;
    readonly instanceName: string;
    instanceId?: string;
    state: FillState | InstanceState;
    readonly phaseDurationsMs: Partial<Record<FillState, number>>;
  };
  private readonly lifecycle: InstanceLifecycle<FillState>;
  private id: string | undefined;
  private createdEpochMs = 0;

  constructor(
    private readonly deps: WarmFillDependencies,
    readonly name: string,
    private readonly shelve: boolean,
  ) {
    this.record = {
      kind: 'warm-fill',
      sequence: ++WarmFill.fills,
      instanceName: name,
      state: 'creating',
      phaseDurationsMs: {},
    };
    this.lifecycle = new InstanceLifecycle<FillState>(this.record, deps.clock, deps.logger);
  }

  /** Fills started by this process, so each fill's log records carry their own sequence number. */
  private static fills = 0;

  get instanceId(): string | undefined {
    return this.id;
  }

  get state(): InstanceState {
    return this.lifecycle.state;
  }

  /** Never rejects. `signal` (shutdown) stops it and deletes what it created. */
  async run(signal: AbortSignal): Promise<WarmFillOutcome> {
    const { provider, readiness, scaling } = this.deps;
    try {
      const created = await provider.create({
        name: this.name,
        reason: 'warm-pool',
        metadata: { [METADATA_STATE_KEY]: 'warming' satisfies WarmMetadataState },
        signal,
      });
      this.id = created.id;
      this.record.instanceId = created.id;
      this.createdEpochMs = answeredInOrder(this.deps.clock.now().getTime());
      this.lifecycle.enter('booting');
      await this.waitFor(
        'booting',
        scaling.bootTimeoutMs,
        signal,
        (snapshot) => snapshot.status === 'ACTIVE',
      );
      this.lifecycle.enter('addressing');
      const addressed = await this.waitFor(
        'addressing',
        scaling.addressTimeoutMs,
        signal,
        (snapshot) => snapshot.status === 'ACTIVE' && snapshot.address !== undefined,
      );
      this.lifecycle.enter('health-checking');
      // A warm server has served once: its image boots and its service answers (first-boot work done).
      await readiness.waitUntilReady(
        { host: addressed.address as string, port: provider.servicePort },
        { signal, passIntervalMs: scaling.fastAdmission.passIntervalMs },
      );
      this.lifecycle.enter('powering-off', this.shelve ? 'shelving' : 'os-stop');
      await provider.stop(this.id, { shelve: this.shelve, signal });
      const stopped = await this.waitFor(
        'powering-off',
        scaling.warmPool.stopTimeoutMs,
        signal,
        (snapshot) => snapshot.status === 'SHUTOFF',
      );
      await provider.updateMetadata(
        this.id,
        { [METADATA_STATE_KEY]: 'warm' satisfies WarmMetadataState },
        signal,
      );
      this.lifecycle.enter(
        'warm',
        `${stopped.detailedStatus ?? stopped.status}, ready for a scale-out`,
      );
      return {
        kind: 'warm',
        id: this.id,
        name: this.name,
        imageId: stopped.imageId,
        // Our own clock at the create's answer: finer than Nova's `created` (whole seconds), which only a restart goes by.
        createdEpochMs: this.createdEpochMs,
      };
    } catch (error) {
      return this.fail(error, signal);
    }
  }

  private async fail(error: unknown, signal: AbortSignal): Promise<WarmFillOutcome> {
    const stopped = signal.aborted;
    const quotaRefused = !stopped && isQuotaRefusal(error);
    const reason = stopped
      ? 'cancelled: the controller is shutting down'
      : quotaRefused
        ? `the quota refused the create: ${(error as Error).message}`
        : (error as Error).message;
    if (stopped) this.lifecycle.enter('stopped', reason);
    else this.lifecycle.enter('failed', reason, quotaRefused ? 'warn' : 'error');
    let id = this.id;
    if (!id && !quotaRefused) {
      // The create may have failed after the cloud accepted it: look for our name.
      try {
        id = (await this.deps.provider.listGroup()).find(
          (snapshot) => snapshot.name === this.name,
        )?.id;
      } catch (listError) {
        this.deps.logger.error(
          `warm-pool fill ${this.name}: could not check for a half-created server: ${(listError as Error).message}`,
        );
      }
    }
    if (id) await this.deps.deleter.delete({ id, name: this.name }, `warm-pool fill ${this.name}`);
    return stopped ? { kind: 'stopped' } : { kind: 'failed', reason, quotaRefused };
  }

  private async waitFor(
    phase: FillState,
    timeoutMs: number,
    signal: AbortSignal,
    ready: (snapshot: InstanceSnapshot) => boolean,
  ): Promise<InstanceSnapshot> {
    const { provider, clock, scaling, logger } = this.deps;
    const id = this.id as string;
    try {
      return await poll(
        (callSignal) => provider.describe(id, callSignal),
        (snapshot) => {
          if (ready(snapshot)) return { done: true, value: snapshot };
          if (snapshot.status === 'ERROR')
            throw new WarmFillFailure(
              `server went to ERROR in ${phase}: ${snapshot.fault ?? 'no fault message given'}`,
            );
          if (snapshot.status === 'DELETED')
            throw new WarmFillFailure(`server disappeared in ${phase}`);
          return { done: false, seen: snapshot.detailedStatus ?? snapshot.status };
        },
        {
          clock,
          signal,
          timeoutMs,
          minIntervalMs: Math.min(
            scaling.statusPollInitialMs,
            scaling.fastAdmission.firstStatusPollMs,
          ),
          maxIntervalMs: scaling.statusPollMaxMs,
          isFatal: (error) => error instanceof WarmFillFailure,
          progressIntervalMs: scaling.progressLogIntervalMs,
          onProgress: (_waited, lastSeen) =>
            logger.log(
              `warm-pool fill ${this.name} [${id}]: still ${phase} after ${seconds(this.lifecycle.inStateMs())}: ${lastSeen}`,
            ),
        },
      );
    } catch (error) {
      if (error instanceof PollTimeoutError)
        throw new WarmFillFailure(
          `${phase} timed out after ${seconds(timeoutMs)}; last seen: ${error.lastSeen}`,
        );
      throw error;
    }
  }
}

/**
 * Creates answered in the same millisecond (a manual clock, a fast cloud) still get distinct,
 * increasing times, so "oldest first" follows the order the creates were answered in, not the
 * order the fills happened to finish.
 */
let lastCreatedEpochMs = 0;
function answeredInOrder(nowEpochMs: number): number {
  lastCreatedEpochMs = Math.max(nowEpochMs, lastCreatedEpochMs + 1);
  return lastCreatedEpochMs;
}
