import { LoggerService } from '@nestjs/common';
import { Clock } from '../clock/clock';

/**
 * The one vocabulary for what happens to an instance (docs/architecture.md "Instance lifecycle").
 *
 *   creating -> booting -> addressing -> health-checking -> admitted -> draining -> deleting -> removed
 *        \__________\___________\_______________\-> failed            (deleting -> failed: kept for retry)
 *   warm pool:  health-checking -> powering-off -> warm -> powering-on -> addressing -> ...
 *               (creating -> powering-on when a launch takes a warm server; warm -> deleting when stale)
 *   any state before `removed` -> stopped   (the controller shut down around it)
 *
 * A launch (scale-out, replacement, adoption) walks the first line up to `admitted`; a removal
 * (scale-in, heal) walks the rest. An adopted server starts at `booting`. A warm-pool fill
 * (scaling/warm-pool/) walks the first line up to `health-checking`, then powers the server off;
 * a launch that takes it goes `creating -> powering-on -> addressing`.
 */
export type LaunchState = 'creating' | 'powering-on' | 'booting' | 'addressing' | 'health-checking';
export type RemovalState = 'draining' | 'deleting';
/** A warm-pool server: being powered off after its first health checks, then kept stopped (SHUTOFF). */
export type WarmState = 'powering-off' | 'warm';
export type InstanceState =
  LaunchState | WarmState | 'admitted' | RemovalState | 'removed' | 'failed' | 'stopped';

/** The launch states in order (metrics and docs list them). */
export const LAUNCH_STATES: readonly LaunchState[] = [
  'creating',
  'powering-on',
  'booting',
  'addressing',
  'health-checking',
];

/** States nothing leaves. */
export const FINAL_STATES: readonly InstanceState[] = ['removed', 'failed', 'stopped'];

const NEXT: Readonly<Record<InstanceState, readonly InstanceState[]>> = {
  creating: ['booting', 'powering-on', 'failed', 'stopped'],
  'powering-on': ['addressing', 'failed', 'stopped'],
  booting: ['addressing', 'failed', 'stopped'],
  addressing: ['health-checking', 'failed', 'stopped'],
  'health-checking': ['admitted', 'powering-off', 'failed', 'stopped'],
  'powering-off': ['warm', 'failed', 'stopped'],
  warm: ['powering-on', 'deleting', 'stopped'],
  admitted: ['draining', 'deleting', 'stopped'],
  draining: ['deleting', 'stopped'],
  deleting: ['removed', 'failed', 'stopped'],
  removed: [],
  failed: [],
  stopped: [],
};

/**
 * An instance refresh (refresh/) in the same vocabulary: the rollout's own states, and the
 * instance states it drives -- each new instance walks the launch line to `admitted`, each old
 * one (and a rejected canary) the removal line `draining -> deleting -> removed`.
 *
 *   canary -> rolling <-> paused -> completed
 *     |          |          \-> cancelled      (cancel: what was replaced stays, nothing more is)
 *     \-> rolling-back -> rolled-back          (canary worse beyond the margins, or unhealthy)
 *   any state before a final one -> interrupted (the controller stopped; resumed from the checkpoint)
 */
export type RefreshState =
  | 'canary'
  | 'rolling'
  | 'paused'
  | 'rolling-back'
  | 'rolled-back'
  | 'completed'
  | 'cancelled'
  | 'interrupted';

const NEXT_REFRESH: Readonly<Record<RefreshState, readonly RefreshState[]>> = {
  canary: ['rolling', 'rolling-back', 'paused', 'cancelled', 'interrupted'],
  rolling: ['paused', 'completed', 'cancelled', 'rolling-back', 'interrupted'],
  paused: ['rolling', 'canary', 'cancelled', 'interrupted'],
  'rolling-back': ['rolled-back', 'interrupted'],
  'rolled-back': [],
  completed: [],
  cancelled: [],
  interrupted: [],
};

/** The refresh's transition function: `to`, or an Error naming what is allowed from `from`. */
export function nextRefreshState(from: RefreshState, to: RefreshState): RefreshState {
  if (!NEXT_REFRESH[from].includes(to)) {
    throw new Error(
      `a refresh cannot go from ${from} to ${to} (allowed: ${NEXT_REFRESH[from].join(', ') || 'nothing, it is final'})`,
    );
  }
  return to;
}

export function isFinalRefreshState(state: RefreshState): boolean {
  return NEXT_REFRESH[state].length === 0;
}

export class IllegalTransitionError extends Error {
  constructor(
    readonly from: InstanceState,
    readonly to: InstanceState,
  ) {
    super(
      `an instance cannot go from ${from} to ${to} (allowed: ${NEXT[from].join(', ') || 'nothing, it is final'})`,
    );
    this.name = 'IllegalTransitionError';
  }
}

/** The transition function: `to` if the lifecycle allows it from `from`, otherwise an IllegalTransitionError. */
export function nextState(from: InstanceState, to: InstanceState): InstanceState {
  if (!NEXT[from].includes(to)) throw new IllegalTransitionError(from, to);
  return to;
}

export function isFinal(state: InstanceState): boolean {
  return FINAL_STATES.includes(state);
}

/** What a lifecycle records its progress into (a launch's or a removal's event on /status). */
export interface LifecycleRecord<S extends InstanceState> {
  readonly kind: string;
  readonly sequence: number;
  readonly instanceName: string;
  readonly instanceId?: string;
  readonly address?: string;
  state: S | InstanceState;
  readonly phaseDurationsMs: Partial<Record<S, number>>;
}

/**
 * One instance's walk through the lifecycle: the single place a state change is checked, timed,
 * recorded and logged -- once, as one record with the instance's fields (instanceFields) and the
 * elapsed time.
 */
export class InstanceLifecycle<S extends InstanceState> {
  private readonly startedMs: number;
  private phaseStartedMs: number;

  constructor(
    private readonly record: LifecycleRecord<S>,
    private readonly clock: Clock,
    private readonly logger: LoggerService,
    private readonly onEnter?: (state: InstanceState) => void,
  ) {
    this.startedMs = clock.nowMs();
    this.phaseStartedMs = this.startedMs;
  }

  get state(): InstanceState {
    return this.record.state;
  }

  elapsedMs(): number {
    return Math.round(this.clock.nowMs() - this.startedMs);
  }

  inStateMs(): number {
    return Math.round(this.clock.nowMs() - this.phaseStartedMs);
  }

  /** Moves to `next` (checked by `nextState`), records the time spent in the previous state and logs the transition once. */
  enter(next: InstanceState, detail?: string, level: 'log' | 'warn' | 'error' = 'log'): void {
    const previous = this.record.state;
    nextState(previous, next);
    const phaseMs = this.inStateMs();
    if (!isFinal(previous) && previous !== 'admitted' && previous !== 'warm')
      (this.record.phaseDurationsMs as Record<string, number>)[previous] = phaseMs;
    this.record.state = next;
    this.phaseStartedMs = this.clock.nowMs();
    const record = {
      msg: 'instance phase change',
      ...instanceFields(this.record),
      previousPhase: previous,
      phase: next,
      elapsedMs: phaseMs,
      totalMs: this.elapsedMs(),
      ...(detail ? { detail } : {}),
    };
    if (level === 'error') this.logger.error(record);
    else if (level === 'warn') this.logger.warn(record);
    else this.logger.log(record);
    this.onEnter?.(next);
  }
}

/** The fields that say which instance a log record is about (every launch and removal record carries them). */
export interface InstanceFields {
  /** The scaling event's kind: scale-out, replacement, adoption, scale-in, heal. */
  readonly event: string;
  readonly sequence: number;
  readonly instanceName: string;
  readonly instanceId?: string;
  readonly address?: string;
}

export function instanceFields(
  record: Pick<
    LifecycleRecord<InstanceState>,
    'kind' | 'sequence' | 'instanceName' | 'instanceId' | 'address'
  >,
): InstanceFields {
  return {
    event: record.kind,
    sequence: record.sequence,
    instanceName: record.instanceName,
    ...(record.instanceId ? { instanceId: record.instanceId } : {}),
    ...(record.address ? { address: record.address } : {}),
  };
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)}s`;
}
