import { ScalingConfig } from '../config/scaling.config';
import { TrafficConfig } from '../config/traffic.config';
import { SystemClock } from '../clock/clock';
import { ScaleOutGate } from './scale-out-gate';

describe('ScaleOutGate', () => {
  function gateFor(duringScaleOut: TrafficConfig['duringScaleOut']): ScaleOutGate {
    return new ScaleOutGate(
      Object.assign(new ScalingConfig(), { retryAfterSeconds: 7 }),
      Object.assign(new TrafficConfig(), { duringScaleOut }),
      new SystemClock(),
    );
  }

  it('reject (seed): closes with the reason and Retry-After while a scale-out runs, opens after', () => {
    const gate = gateFor('reject');
    gate.close('scaling out');
    expect(gate.current()).toEqual({
      open: false,
      reason: 'scaling out',
      retryAfterSeconds: 7,
      closedAt: expect.any(String),
    });
    gate.open();
    expect(gate.current()).toEqual({ open: true });
  });

  it.each(['serve', 'queue'] as const)(
    '%s: never closes, the instances in rotation keep serving',
    (mode) => {
      const gate = gateFor(mode);
      gate.close('scaling out');
      expect(gate.current()).toEqual({ open: true });
    },
  );
});
