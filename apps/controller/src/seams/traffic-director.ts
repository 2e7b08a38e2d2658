/**
 * The one seam between the data path (ProxyModule) and the control plane (Scaling/Health/pool).
 * It lives in seams/ so neither side imports the other's folder.
 *
 * The proxy knows nothing about scaling: for every client request it asks the director what to
 * do, forwards accordingly, and reports how the upstream exchange ended. The control plane knows
 * nothing about sockets: it answers from its own state (gate closed while scaling, which backends
 * are admitted, how loaded each one is).
 */

/** An upstream the proxy may send a request to. */
export interface Backend {
  /** Stable instance id (Nova server id, or the local provider's id). */
  readonly id: string;
  /** IP address literal the service listens on (never a hostname: no DNS on the hot path). */
  readonly host: string;
  readonly port: number;
}

/** What the proxy should do with one client request. */
export type TrafficDecision =
  | { readonly kind: 'forward'; readonly backend: Backend }
  /** Answer 503 with `Retry-After` and a short plain-text reason (seed section 13.8). */
  | { readonly kind: 'reject'; readonly retryAfterSeconds: number; readonly reason: string }
  /**
   * Hold the request until the promise settles (production scaling `duringScaleOut: queue`).
   * `withdraw()`: the client left while held; its place goes to the next request (idempotent,
   * a no-op once the decision has settled). Only plain requests withdraw: a WebSocket upgrade's
   * socket is paused while it waits, so its hang-up is seen once the decision arrives.
   */
  | {
      readonly kind: 'queue';
      readonly decision: Promise<TrafficDecision>;
      readonly withdraw: () => void;
    };

/** How one forwarded exchange ended, as far as the backend's fitness is concerned. */
export type UpstreamOutcome =
  | 'ok' // a response came back (any status the backend chose to send)
  | 'connect-failed' // refused / connect timeout: provably nothing was sent
  | 'reset' // connection reset or closed before a complete response
  | 'timeout' // no response head within the upstream timeout
  | 'client-aborted'; // the client went away; says nothing about the backend

export interface RequestInfo {
  readonly method: string;
  readonly path: string;
  readonly remoteAddress: string;
}

export interface TrafficDirector {
  /**
   * Called exactly once per client request, synchronously, before any upstream work.
   * Counting happens here, so the request that reaches the scaling threshold is itself
   * subject to the new state (the seed answers request 10 with 503).
   * A `forward` decision counts one in-flight request on that backend until `settle`.
   */
  admit(request: RequestInfo): TrafficDecision;

  /**
   * A different backend for a single retry after a failure that provably sent nothing,
   * or undefined when there is none. Counts one in-flight request on it, like `admit`.
   */
  alternative(failed: Backend): Backend | undefined;

  /** Called exactly once for every backend handed out by `admit`/`alternative`. */
  settle(backend: Backend, outcome: UpstreamOutcome, durationMs: number): void;
}

/** Nest injection token for the TrafficDirector implementation (provided by the control plane). */
export const TRAFFIC_DIRECTOR = Symbol('TRAFFIC_DIRECTOR');
