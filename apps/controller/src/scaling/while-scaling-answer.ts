import type { DataPlaneConfig } from '../config/data-plane.config';
import type { TrafficConfig } from '../config/traffic.config';

/**
 * What clients get while a scale-out runs, said in its "triggered" record. It depends on who
 * carries the bytes: the built-in proxy and HAProxy follow `traffic.duringScaleOut`; an Octavia
 * load balancer never answers with our 503, it follows `dataPlane.octavia.whileScaling`.
 */
export function whileScalingAnswer(
  dataPlane: DataPlaneConfig,
  traffic: TrafficConfig,
  retryAfterSeconds: number,
): string {
  if (dataPlane.kind === 'octavia') {
    return dataPlane.octavia.whileScaling === 'keep-serving'
      ? 'Octavia keeps serving the previous members until the new one is ready (dataPlane.octavia.whileScaling keep-serving)'
      : 'Octavia answers its own 503 (no Retry-After) while the pool is empty (dataPlane.octavia.whileScaling empty-pool)';
  }
  return traffic.duringScaleOut === 'reject'
    ? `clients get 503 + Retry-After: ${retryAfterSeconds} until it ends`
    : `duringScaleOut=${traffic.duringScaleOut}`;
}
