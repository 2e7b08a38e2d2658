import type { UpstreamOutcome } from './traffic-director';

/** Our own error codes for failures Node reports only as events. */
export const UPSTREAM_CONNECT_TIMEOUT = 'UPSTREAM_CONNECT_TIMEOUT';
export const UPSTREAM_RESPONSE_TIMEOUT = 'UPSTREAM_RESPONSE_TIMEOUT';

export interface UpstreamFailure {
  /** Status for the client when nothing has been sent to it yet. */
  readonly status: 502 | 503 | 504;
  readonly outcome: UpstreamOutcome;
  /** The backend provably never saw the request, before any question of reuse. */
  readonly beforeConnect: boolean;
  /** A reset of the connection (retryable only on a reused socket with no response byte). */
  readonly reset: boolean;
}

/**
 * One table from upstream error to client status (the shape of @fastify/reply-from's): DNS
 * failures 503, timeouts 504, refused/reset connections 502.
 */
const TABLE: Readonly<Record<string, UpstreamFailure>> = {
  ECONNREFUSED: { status: 502, outcome: 'connect-failed', beforeConnect: true, reset: false },
  EHOSTUNREACH: { status: 502, outcome: 'connect-failed', beforeConnect: true, reset: false },
  ENETUNREACH: { status: 502, outcome: 'connect-failed', beforeConnect: true, reset: false },
  EADDRNOTAVAIL: { status: 502, outcome: 'connect-failed', beforeConnect: true, reset: false },
  [UPSTREAM_CONNECT_TIMEOUT]: {
    status: 504,
    outcome: 'connect-failed',
    beforeConnect: true,
    reset: false,
  },
  ENOTFOUND: { status: 503, outcome: 'connect-failed', beforeConnect: true, reset: false },
  EAI_AGAIN: { status: 503, outcome: 'connect-failed', beforeConnect: true, reset: false },
  [UPSTREAM_RESPONSE_TIMEOUT]: {
    status: 504,
    outcome: 'timeout',
    beforeConnect: false,
    reset: false,
  },
  ETIMEDOUT: { status: 504, outcome: 'timeout', beforeConnect: false, reset: false },
  ECONNRESET: { status: 502, outcome: 'reset', beforeConnect: false, reset: true },
  EPIPE: { status: 502, outcome: 'reset', beforeConnect: false, reset: true },
};

const UNKNOWN: UpstreamFailure = {
  status: 502,
  outcome: 'reset',
  beforeConnect: false,
  reset: false,
};

export function classifyUpstreamError(error: unknown): UpstreamFailure {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return (code !== undefined && TABLE[code]) || UNKNOWN;
}

export function upstreamError(code: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}
