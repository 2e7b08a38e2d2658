/** The named states of one scale-out (docs/architecture.md "Scale-out states"). */
export type ScaleOutPhase = 'creating' | 'booting' | 'addressing' | 'health-checking';
export type ScaleOutState = ScaleOutPhase | 'admitted' | 'failed';

export const SCALE_OUT_PHASES: readonly ScaleOutPhase[] = ['creating', 'booting', 'addressing', 'health-checking'];

/** One scale-out as /status shows it: what triggered it, how far it got, how long each phase took. */
export interface ScaleEvent {
  readonly sequence: number;
  readonly kind: 'scale-out';
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
    /** What happened to the instance it had created. */
    cleanup: string;
  };
}
