import { localControllerConfig } from './local-controller-config';

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
    ...localControllerConfig(prefix, {
      admin: options.bearerToken ? { bearerToken: options.bearerToken } : {},
      local: {
        bootDelayMs: options.bootDelayMs ?? 300,
        serviceEnv: { WORK_DELAY_MS: String(options.workDelayMs ?? 0) },
        stopGraceMs: 2_000,
      },
    }),
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
