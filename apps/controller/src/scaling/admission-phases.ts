import { LAUNCH_STATES, LaunchState } from '../pool/instance-lifecycle';
import { LaunchEvent, ScalingEvent } from './scaling-event';

/** One admitted launch, phase by phase: where the time from trigger to admission went. */
export interface AdmissionBreakdown {
  readonly sequence: number;
  readonly kind: LaunchEvent['kind'];
  /** Started a warm server (scaling.warmPool) instead of creating one. */
  readonly fromWarmPool: boolean;
  readonly totalMs: number;
  /** In lifecycle order; `share` is the phase's part of totalMs (0..1, 3 decimals). */
  readonly phases: ReadonlyArray<{
    readonly phase: LaunchState;
    readonly ms: number;
    readonly share: number;
  }>;
}

/** /status `admission`: the last admitted launch, and the last cold and the last warm one (for the comparison). */
export interface AdmissionView {
  readonly last: AdmissionBreakdown | null;
  readonly lastCold: AdmissionBreakdown | null;
  readonly lastWarm: AdmissionBreakdown | null;
}

function isLaunch(event: ScalingEvent): event is LaunchEvent {
  return event.kind === 'scale-out' || event.kind === 'replacement' || event.kind === 'adoption';
}

/** Pure: each phase's share of an admitted launch (adoptions are left out: they did not start at the trigger). */
export function admissionBreakdown(event: LaunchEvent): AdmissionBreakdown {
  const totalMs =
    event.totalMs ?? Object.values(event.phaseDurationsMs).reduce((sum, ms) => sum + (ms ?? 0), 0);
  const phases = LAUNCH_STATES.flatMap((phase) => {
    const ms = event.phaseDurationsMs[phase];
    return ms === undefined
      ? []
      : [{ phase, ms, share: totalMs > 0 ? Math.round((ms / totalMs) * 1000) / 1000 : 0 }];
  });
  return {
    sequence: event.sequence,
    kind: event.kind,
    fromWarmPool: event.phaseDurationsMs['powering-on'] !== undefined,
    totalMs,
    phases,
  };
}

export function projectAdmission(events: readonly ScalingEvent[]): AdmissionView {
  const admitted = events
    .filter(isLaunch)
    .filter((event) => event.state === 'admitted' && event.kind !== 'adoption')
    .map(admissionBreakdown);
  const lastOf = (list: AdmissionBreakdown[]): AdmissionBreakdown | null =>
    list[list.length - 1] ?? null;
  return {
    last: lastOf(admitted),
    lastCold: lastOf(admitted.filter((entry) => !entry.fromWarmPool)),
    lastWarm: lastOf(admitted.filter((entry) => entry.fromWarmPool)),
  };
}
