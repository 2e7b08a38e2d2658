import { admissionBreakdown, projectAdmission } from './admission-phases';
import { LaunchEvent } from './scaling-event';

function launch(
  sequence: number,
  phaseDurationsMs: LaunchEvent['phaseDurationsMs'],
  kind: LaunchEvent['kind'] = 'scale-out',
  state: LaunchEvent['state'] = 'admitted',
): LaunchEvent {
  const totalMs = Object.values(phaseDurationsMs).reduce((sum, ms) => sum + (ms ?? 0), 0);
  return {
    sequence,
    kind,
    trigger: 'spec',
    startedAt: '',
    state,
    instanceName: `i${sequence}`,
    phaseDurationsMs,
    totalMs,
  };
}

describe('admission phase shares (/status admission)', () => {
  it('gives each phase its share of the total, in lifecycle order', () => {
    const breakdown = admissionBreakdown(
      launch(1, { creating: 500, booting: 1_500, addressing: 0, 'health-checking': 500 }),
    );
    expect(breakdown).toEqual({
      sequence: 1,
      kind: 'scale-out',
      fromWarmPool: false,
      totalMs: 2_500,
      phases: [
        { phase: 'creating', ms: 500, share: 0.2 },
        { phase: 'booting', ms: 1_500, share: 0.6 },
        { phase: 'addressing', ms: 0, share: 0 },
        { phase: 'health-checking', ms: 500, share: 0.2 },
      ],
    });
  });

  it('tells a warm start from a cold create, and leaves out adoptions and failures', () => {
    const cold = launch(1, {
      creating: 400,
      booting: 2_000,
      addressing: 0,
      'health-checking': 300,
    });
    const warm = launch(2, {
      creating: 0,
      'powering-on': 700,
      addressing: 0,
      'health-checking': 100,
    });
    const adopted = launch(3, { booting: 10, addressing: 0, 'health-checking': 100 }, 'adoption');
    const failed = launch(4, { creating: 10 }, 'scale-out', 'failed');
    const view = projectAdmission([cold, warm, adopted, failed]);
    expect(view.last?.sequence).toBe(2);
    expect(view.lastWarm).toMatchObject({ sequence: 2, fromWarmPool: true });
    expect(view.lastCold).toMatchObject({ sequence: 1, fromWarmPool: false });
    expect(projectAdmission([])).toEqual({ last: null, lastCold: null, lastWarm: null });
  });
});
