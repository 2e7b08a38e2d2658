import { SERVICE_BUNDLE } from './controller-process';

export interface OperatorControllerOptions {
  readonly bearerToken?: string;
  readonly bootDelayMs?: number;
  readonly workDelayMs?: number;
  readonly thresholdRequests?: number;
  readonly maxInstances?: number;
  readonly healthIntervalMs?: number;
}

/**
 * A controller on the local provider inside the test's own loopback /24 (proxy .200, admin .201,
 * instances from .1), quick to scale out: the config the operator-surface specs (v1 API, osa
 * CLI, dashboard) share.
 */
export function operatorControllerConfig(
  prefix: string,
  options: OperatorControllerOptions = {},
): Record<string, unknown> {
  return {
    proxy: { listenHost: `${prefix}.200`, listenPort: 0 },
    admin: {
      listenHost: `${prefix}.201`,
      listenPort: 0,
      ...(options.bearerToken ? { bearerToken: options.bearerToken } : {}),
    },
    provider: {
      kind: 'local',
      local: {
        bundlePath: SERVICE_BUNDLE,
        firstAddress: `${prefix}.1`,
        bootDelayMs: options.bootDelayMs ?? 300,
        serviceEnv: { WORK_DELAY_MS: String(options.workDelayMs ?? 0) },
        stopGraceMs: 2_000,
      },
    },
    scaling: {
      thresholdRequests: options.thresholdRequests ?? 3,
      maxInstances: options.maxInstances ?? 3,
      retryAfterSeconds: 1,
      statusPollInitialMs: 100,
      statusPollMaxMs: 200,
    },
    health: { intervalMs: options.healthIntervalMs ?? 100 },
  };
}
