import type { IncomingMessage } from 'node:http';
import type { Backend, UpstreamOutcome } from './traffic-director';

/**
 * How one kind of client request is answered and reaches a backend: a plain HTTP request
 * (`upstream-call.ts`: a `ServerResponse` and a pooled upstream request) or a WebSocket upgrade
 * (`websocket-tunnel.ts`: the raw client socket and a fresh backend connection). The attempt
 * engine drives either through this interface, so admission, retries and settling exist once.
 */
export interface ExchangeTransport {
  /** The client is gone (or already has its answer): a backend that arrives now goes back. */
  clientGone(): boolean;
  /** Call `listener` once when the client leaves while its request is held in a queue. */
  onClientLeavesQueue(listener: () => void): void;
  /** Call `release` once when this request no longer counts as in flight. */
  whenNoLongerInFlight(release: () => void): void;
  /** Write the proxy's own answer (the caller reports it). */
  answer(answer: LocalAnswer): void;
  /** Cut the client connection (a truncated answer must look truncated). */
  cut(): void;
  /** One upstream attempt on `backend`; its end is reported to the attempt engine. */
  send(exchange: Exchange, backend: Backend): void;
}

/** One client request on its way through the request steps and the attempt engine. */
export interface Exchange {
  readonly req: IncomingMessage;
  /** Client address as seen on the socket (IPv4-mapped IPv6 unwrapped). */
  readonly peerAddress: string;
  /** An upgrade request (only WebSocket ones get past the steps; they keep `Upgrade`). */
  readonly webSocket: boolean;
  /** `performance.now()` when the request arrived (for the exchange's duration). */
  readonly startedAtMs: number;
  readonly transport: ExchangeTransport;
  /** Index of the next request step (a step that answers later resumes the list here). */
  nextStep: number;
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
  // The attempt engine's state (attempt-engine.ts).
  /** The backend handed out by `admit`/`alternative` for the current attempt. */
  backend: Backend | undefined;
  attemptStartedAtMs: number;
  /** The one retry has been used. */
  retried: boolean;
  /** `settle()` was called for `backend`. */
  settled: boolean;
  /** The `exchange` event was emitted (the client has its answer, or is gone). */
  reported: boolean;
}

/** A step's verdict when the proxy answers by itself instead of forwarding. */
export interface LocalAnswer {
  readonly status: number;
  readonly text: string;
  readonly retryAfterSeconds?: number;
  /** Close the client connection after answering (framing we refused to read, overload). */
  readonly closeConnection?: boolean;
}

/** A step that carries the request on by itself later (body read, queued, sent upstream). */
export const PENDING = Symbol('pending');

/** undefined: go on with the next step; a LocalAnswer: answer it and stop; PENDING: see above. */
export type StepVerdict = LocalAnswer | undefined | typeof PENDING;

/** Emitted once per client request when it is over (hang metrics and logs on it). */
export interface ProxyExchangeEvent {
  readonly method: string;
  /** Status sent to the client; 0 when the connection was cut instead. */
  readonly status: number;
  /** `local` when the proxy answered by itself (hygiene, overload, 503 gate). */
  readonly outcome: UpstreamOutcome | 'local';
  readonly backendId?: string;
  readonly retried: boolean;
  readonly durationMs: number;
  readonly error?: string;
}

export function newExchange(
  req: IncomingMessage,
  peerAddress: string,
  webSocket: boolean,
  transport: ExchangeTransport,
  startedAtMs: number = performance.now(),
): Exchange {
  return {
    req,
    peerAddress,
    webSocket,
    startedAtMs,
    transport,
    nextStep: 0,
    upstreamPath: req.url ?? '/',
    upstreamHeaders: [],
    chunked: false,
    hasBody: false,
    body: undefined,
    backend: undefined,
    attemptStartedAtMs: 0,
    retried: false,
    settled: true,
    reported: false,
  };
}
