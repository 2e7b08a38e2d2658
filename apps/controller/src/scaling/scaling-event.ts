import { LaunchState, RemovalState } from '../pool/instance-lifecycle';

/**
 * Why an instance is being brought in (an InstanceLaunch): `scale-out` (a policy or a manual scale
 * raised the desired count), `replacement` (self-healing keeps the desired count), `adoption` (a
 * server of our group found after a restart, taken through the same states from `booting` on),
 * `refresh` (an instance refresh's canary or batch, from the refresh's image: refresh/).
 */
export type LaunchKind = 'scale-out' | 'replacement' | 'adoption' | 'refresh';

/**
 * One launch as /status shows it: what triggered it, how far it got, how long each state took.
 * `state` ends `admitted`, `failed`, or `stopped` (the controller shut down first).
 */
export interface LaunchEvent {
  readonly sequence: number;
  readonly kind: LaunchKind;
  readonly trigger: string;
  readonly startedAt: string;
  finishedAt?: string;
  state: LaunchState | 'admitted' | 'failed' | 'stopped';
  /** The name given to a create, or the warm server's that was started instead. */
  instanceName: string;
  instanceId?: string;
  address?: string;
  /** Milliseconds spent in each state reached so far. */
  readonly phaseDurationsMs: Partial<Record<LaunchState, number>>;
  totalMs?: number;
  failure?: {
    readonly phase: LaunchState;
    readonly reason: string;
    /** The cloud API was unavailable (not the instance at fault): retried when it answers, without back-off. */
    readonly cloudApiUnavailable: boolean;
    /** What happened to the instance it had created. */
    cleanup: string;
  };
}

/**
 * Why an instance is taken out (an InstanceRemoval): `scale-in` (the desired count went down: a
 * policy, a manual action, keepPreviousInstance=false) or `heal` (it died or kept failing health
 * checks; a replacement is started at once), `replaced` (an old instance an instance refresh replaced)
 * or `rollback` (a rejected canary).
 */
export type RemovalKind = 'scale-in' | 'heal' | 'replaced' | 'rollback';

/** Every removal kind (a launch kind never is one). */
export const REMOVAL_KINDS: readonly string[] = [
  'scale-in',
  'heal',
  'replaced',
  'rollback',
] satisfies RemovalKind[];

/** One removal: `draining -> deleting -> removed`, or `failed` (the delete is then retried in the background). */
export interface RemovalEvent {
  readonly sequence: number;
  readonly kind: RemovalKind;
  readonly trigger: string;
  readonly startedAt: string;
  finishedAt?: string;
  state: RemovalState | 'removed' | 'failed' | 'stopped';
  readonly instanceName: string;
  readonly instanceId: string;
  readonly address?: string;
  /** Requests in flight on it when it stopped receiving new ones, and those still running when the drain ended. */
  readonly inFlightAtStart: number;
  inFlightAtDelete?: number;
  readonly phaseDurationsMs: Partial<Record<RemovalState, number>>;
  totalMs?: number;
  /** What happened to the server/process. */
  outcome?: string;
}

/** Everything the scaler did, as the last-50 list on /status shows it. */
export type ScalingEvent = LaunchEvent | RemovalEvent;
