/** The named states of one scale-out (docs/architecture.md "Scale-out states"). */
export type ScaleOutPhase = 'creating' | 'booting' | 'addressing' | 'health-checking';
export type ScaleOutState = ScaleOutPhase | 'admitted' | 'failed';

export const SCALE_OUT_PHASES: readonly ScaleOutPhase[] = ['creating', 'booting', 'addressing', 'health-checking'];

/**
 * Why an instance is being brought in: `scale-out` (a policy or a manual scale raised the desired
 * count), `replacement` (self-healing keeps the desired count), `adoption` (a server of our group
 * found after a restart, taken through the same states from `booting` on).
 */
export type ScaleEventKind = 'scale-out' | 'replacement' | 'adoption';

/** One scale-out (or replacement, or adoption) as /status shows it: what triggered it, how far it got, how long each phase took. */
export interface ScaleEvent {
  readonly sequence: number;
  readonly kind: ScaleEventKind;
  readonly trigger: string;
  readonly startedAt: string;
  finishedAt?: string;
  state: ScaleOutState;
  readonly instanceName: string;
  instanceId?: string;
  address?: string;
  /** Milliseconds spent in each phase reached so far. */
  readonly phaseDurationsMs: Partial<Record<ScaleOutPhase, number>>;
  totalMs?: number;
  failure?: {
    readonly phase: ScaleOutPhase;
    readonly reason: string;
    /** The cloud API was unavailable (not the instance at fault): retried when it answers, without back-off. */
    readonly cloudApiUnavailable: boolean;
    /** What happened to the instance it had created. */
    cleanup: string;
  };
}

/** The states of one removal: `draining -> deleting -> removed`, or `failed` (the delete is then retried in the background). */
export type RemovalPhase = 'draining' | 'deleting';
export type RemovalState = RemovalPhase | 'removed' | 'failed';

/**
 * One instance leaving the pool: `scale-in` (the desired count went down: a policy, a manual
 * action, keepPreviousInstance=false) or `heal` (it died or kept failing health checks; a
 * replacement is started at once).
 */
export interface RemovalEvent {
  readonly sequence: number;
  readonly kind: 'scale-in' | 'heal';
  readonly trigger: string;
  readonly startedAt: string;
  finishedAt?: string;
  state: RemovalState;
  readonly instanceName: string;
  readonly instanceId: string;
  readonly address?: string;
  /** Requests in flight on it when it stopped receiving new ones, and those still running when the drain ended. */
  readonly inFlightAtStart: number;
  inFlightAtDelete?: number;
  readonly phaseDurationsMs: Partial<Record<RemovalPhase, number>>;
  totalMs?: number;
  /** What happened to the server/process. */
  outcome?: string;
}

/** Everything the scaler did, as the last-50 list on /status shows it. */
export type ScalingEvent = ScaleEvent | RemovalEvent;
