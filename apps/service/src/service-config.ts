// The service's settings, read once from the environment. This is the only module that knows the
// variable names; everything else receives a validated ServiceConfig.
import * as net from 'net';

export interface ServiceConfig {
  /** Address to listen on (HOST). */
  host: string;
  /** TCP port to listen on (PORT); 0 lets the OS pick a free port (tests use it). */
  port: number;
  /** How long GET /work waits before answering (WORK_DELAY_MS), like the seed's time.sleep(0.2). */
  workDelayMs: number;
  /** How long a stop signal waits for in-flight requests before cutting them off (SHUTDOWN_GRACE_MS). */
  shutdownGraceMs: number;
}

export const SERVICE_CONFIG_DEFAULTS: ServiceConfig = {
  host: '0.0.0.0',
  port: 5000,
  workDelayMs: 200,
  shutdownGraceMs: 10000,
};

// WORK_DELAY_MS stays below Node 10's default 120 s socket idle timeout (Node < 13 destroys a
// socket that is silent for 2 minutes), so a configured delay can never silently kill requests.
export const MAX_WORK_DELAY_MS = 60000;
// setTimeout() fires at once for anything above 2^31-1 ms, so a larger grace would mean "no grace".
export const MAX_SHUTDOWN_GRACE_MS = 2147483647;

/** One or more environment variables are invalid; `problems` names each variable and what is allowed. */
export class ServiceConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `invalid service configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`,
    );
    this.name = 'ServiceConfigError';
  }
}

type Environment = Record<string, string | undefined>;

/**
 * Reads HOST, PORT, WORK_DELAY_MS and SHUTDOWN_GRACE_MS. An unset variable takes its default; a set
 * but invalid one (including an empty string) is an error, never silently replaced by the default.
 * Every problem is reported at once.
 */
export function readServiceConfig(env: Environment): ServiceConfig {
  const problems: string[] = [];
  const integer = (
    name: string,
    fallback: number,
    min: number,
    max: number,
    meaning: string,
  ): number => {
    const raw = env[name];
    if (raw === undefined) return fallback;
    if (!/^[0-9]+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      problems.push(
        `${name}=${JSON.stringify(raw)} is not allowed: expected ${meaning}, an integer from ${min} to ${max} ` +
          `(unset it to use the default ${fallback})`,
      );
      return fallback;
    }
    return Number(raw);
  };

  const config: ServiceConfig = {
    host: readHost(env, problems),
    port: integer('PORT', SERVICE_CONFIG_DEFAULTS.port, 0, 65535, 'a TCP port (0 = any free port)'),
    workDelayMs: integer(
      'WORK_DELAY_MS',
      SERVICE_CONFIG_DEFAULTS.workDelayMs,
      0,
      MAX_WORK_DELAY_MS,
      'a delay in milliseconds',
    ),
    shutdownGraceMs: integer(
      'SHUTDOWN_GRACE_MS',
      SERVICE_CONFIG_DEFAULTS.shutdownGraceMs,
      0,
      MAX_SHUTDOWN_GRACE_MS,
      'a grace period in milliseconds',
    ),
  };
  if (problems.length > 0) throw new ServiceConfigError(problems);
  return config;
}

// RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens.
const HOST_NAME =
  /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

function readHost(env: Environment, problems: string[]): string {
  const raw = env['HOST'];
  if (raw === undefined) return SERVICE_CONFIG_DEFAULTS.host;
  if (net.isIP(raw) === 0 && !HOST_NAME.test(raw)) {
    problems.push(
      `HOST=${JSON.stringify(raw)} is not allowed: expected an IPv4 or IPv6 address (e.g. 0.0.0.0, 127.0.0.1, ::) ` +
        `or a host name (e.g. localhost) (unset it to use the default ${SERVICE_CONFIG_DEFAULTS.host})`,
    );
    return SERVICE_CONFIG_DEFAULTS.host;
  }
  return raw;
}
