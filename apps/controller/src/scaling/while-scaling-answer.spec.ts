import { DataPlaneConfig } from '../config/data-plane.config';
import { TrafficConfig } from '../config/traffic.config';
import { whileScalingAnswer } from './while-scaling-answer';

function dataPlane(
  kind: DataPlaneConfig['kind'],
  whileScaling?: 'keep-serving' | 'empty-pool',
): DataPlaneConfig {
  const config = new DataPlaneConfig();
  config.kind = kind;
  if (whileScaling) config.octavia.whileScaling = whileScaling;
  return config;
}

describe('whileScalingAnswer: what the scale-out record says clients get', () => {
  const reject = new TrafficConfig();
  const queue = Object.assign(new TrafficConfig(), { duringScaleOut: 'queue' });

  it('the built-in proxy and HAProxy follow traffic.duringScaleOut', () => {
    expect(whileScalingAnswer(dataPlane('builtin'), reject, 5)).toBe(
      'clients get 503 + Retry-After: 5 until it ends',
    );
    expect(whileScalingAnswer(dataPlane('haproxy'), reject, 7)).toBe(
      'clients get 503 + Retry-After: 7 until it ends',
    );
    expect(whileScalingAnswer(dataPlane('builtin'), queue, 5)).toBe('duringScaleOut=queue');
  });

  it('Octavia never answers our 503: it keeps serving, or answers its own from an empty pool', () => {
    expect(whileScalingAnswer(dataPlane('octavia'), reject, 5)).toMatch(
      /^Octavia keeps serving the previous members/,
    );
    expect(whileScalingAnswer(dataPlane('octavia', 'empty-pool'), reject, 5)).toMatch(
      /^Octavia answers its own 503 \(no Retry-After\)/,
    );
  });
});
