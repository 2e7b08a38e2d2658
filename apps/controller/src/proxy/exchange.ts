import type { IncomingMessage } from 'node:http';
import type { ProxyConfig } from '../config/proxy.config';
import type { PathMapper } from './path-mapper';
import type { TrustedProxies } from './trusted-proxies';

/** One client request on its way through the hygiene steps. */
export interface Exchange {
  readonly req: IncomingMessage;
  /** Client address as seen on the socket (IPv4-mapped IPv6 unwrapped). */
  readonly peerAddress: string;
  /** A WebSocket upgrade (keeps `Upgrade`/`Connection: upgrade` towards the backend). */
  readonly webSocket: boolean;
  /** `performance.now()` when the request arrived (for the exchange's duration). */
  readonly startedAtMs: number;
  /** Path and query for the backend (after path mapping). */
  upstreamPath: string;
  /** Flat raw header list for the backend (`[name, value, ...]`), built by the header step. */
  upstreamHeaders: string[];
  /** The request carries `Transfer-Encoding: chunked` (forwarded chunked, never re-framed). */
  chunked: boolean;
  /** The request carries a body (chunked, or `Content-Length` above 0). */
  hasBody: boolean;
  /** The whole body, once read (`requestBuffering: buffer`); undefined while it streams. */
  body: Buffer | undefined;
}

/** A step's verdict when the proxy answers by itself instead of forwarding. */
export interface LocalAnswer {
  readonly status: number;
  readonly text: string;
  readonly retryAfterSeconds?: number;
  /** Close the client connection after answering (framing we refused to read, overload). */
  readonly closeConnection?: boolean;
}

/** What the steps may consult: the settings and the proxy's live state. */
export interface StepEnvironment {
  readonly config: ProxyConfig;
  readonly trustedProxies: TrustedProxies;
  readonly pathMapper: PathMapper;
  /** Client requests currently being served (not counting this one). */
  readonly inFlight: () => number;
}

/** A named hygiene step: returns a LocalAnswer to stop the request, or undefined to go on. */
export type RequestStep = (exchange: Exchange, env: StepEnvironment) => LocalAnswer | undefined;

export function newExchange(
  req: IncomingMessage,
  peerAddress: string,
  webSocket: boolean,
  startedAtMs: number = performance.now(),
): Exchange {
  return {
    req,
    peerAddress,
    webSocket,
    startedAtMs,
    upstreamPath: req.url ?? '/',
    upstreamHeaders: [],
    chunked: false,
    hasBody: false,
    body: undefined,
  };
}
