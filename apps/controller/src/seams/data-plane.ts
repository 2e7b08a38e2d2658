import type { Backend } from './traffic-director';

/**
 * The seam between the control plane and an EXTERNAL data plane (`dataPlane.kind` haproxy,
 * octavia): a proxy process or service that carries the bytes itself and is driven from outside,
 * instead of asking the TrafficDirector once per request as the built-in proxy does.
 *
 * The control plane owns every decision (which instances serve, with what weight, whether clients
 * get 503 while scaling); the data plane only carries them out and reports counters. So the
 * calls are declarative and idempotent: `applyMembers` gets the WHOLE desired member set every
 * time, and the data plane works out what to add, change and delete. A call that could not be
 * carried out completely rejects; the control plane calls again with the then-current set.
 * When the data plane restarts by itself (its process died, a load balancer was replaced) it
 * re-applies the last member set and reject answer on its own before it reports `running` again.
 *
 * The built-in proxy does not implement this interface (it is driven per request through
 * `TrafficDirector`), so `dataPlane.kind: builtin` is unchanged by it.
 */

/**
 * What one member may do: `ready` takes new requests; `drain` keeps what it has in flight but
 * gets no new ones (before a delete); `maint` gets nothing (ejected, or not the switch target).
 */
export type MemberState = 'ready' | 'drain' | 'maint';

/** One backend the data plane should know, and how it should treat it. */
export interface DataPlaneMember {
  readonly backend: Backend;
  readonly state: MemberState;
  /** Relative share of new requests among `ready` members, 1..256 (pool mode); ignored for others. */
  readonly weight: number;
}

/** The "503 while scaling" answer (seed section 13.8), given while the gate is closed. */
export interface RejectAnswer {
  readonly retryAfterSeconds: number;
  /** Short plain-text reason sent as the body. */
  readonly reason: string;
}

/** Counters of one member, cumulative since the data plane's counters last started (see `epoch`). */
export interface MemberCounters {
  /** Requests sent to this member. */
  readonly requests: number;
  /** Requests on it now: being served, or waiting in its queue. */
  readonly inFlight: number;
  /** Requests that failed at the transport (connect refused/timed out, reset, no answer in time). */
  readonly errors: number;
  /** Responses it sent (any status): a request that came back, as far as its fitness goes. */
  readonly responses: number;
}

/** One reading of the data plane's counters. */
export interface DataPlaneCounters {
  /**
   * Changes whenever the counters started again from zero (the proxy process was restarted, a
   * load balancer was replaced): a reader computing deltas starts over on a new epoch.
   */
  readonly epoch: number;
  /** Client requests passed to a member (not those answered by the data plane itself). */
  readonly forwardedRequests: number;
  /** Client requests the data plane answered itself (503 while scaling or with no member, a full queue, a refused request). */
  readonly rejectedRequests: number;
  /** Per member, keyed by `Backend.id`; members the data plane does not have are absent. */
  readonly members: ReadonlyMap<string, MemberCounters>;
}

/** How the data plane is doing, for /status and logs. */
export interface DataPlaneStatus {
  readonly kind: string;
  /** `running` once it carries traffic; `restarting` while the supervisor brings it back. */
  readonly state: 'starting' | 'running' | 'restarting' | 'stopped' | 'failed';
  /** One line: where it listens, its version, the last restart. */
  readonly detail: string;
  readonly restarts: number;
}

export interface DataPlane {
  /**
   * True when the members outlive this controller (a cloud load balancer keeps serving with the
   * last members while no controller runs): after a (re)start or a takeover, the control plane
   * sends its first member set only once restart recovery has brought the group in, so what the
   * previous controller left is kept as it is instead of being pruned and added again.
   */
  readonly membersOutliveController: boolean;
  /** Brings the data plane up (validated config, listening). Rejects with a message naming what is wrong. */
  start(): Promise<void>;
  /** Stops it: no new connections, in-flight requests get the proxy's shutdown deadline. Idempotent. */
  stop(): Promise<void>;
  /** The whole desired member set (see the class comment: declarative, idempotent). */
  applyMembers(members: readonly DataPlaneMember[]): Promise<void>;
  /** `answer`: clients get 503 + Retry-After with it from now on; `undefined`: back to normal routing. */
  setRejectWhileScaling(answer: RejectAnswer | undefined): Promise<void>;
  /** The counters now (the control plane reads them at its own interval). */
  readCounters(): Promise<DataPlaneCounters>;
  status(): DataPlaneStatus;
}

/** Nest injection token for the external DataPlane (absent with `dataPlane.kind: builtin`). */
export const DATA_PLANE = Symbol('DATA_PLANE');
