import { Backend } from '../seams/traffic-director';
import { InstanceState, LaunchState } from './instance-lifecycle';

/** The original backend (seed `service-vm-1`, never deleted by us) or a clone we created. */
export type InstanceRole = 'original' | 'clone';

/**
 * The part of the lifecycle (instance-lifecycle.ts) an instance spends in the pool: the launch
 * states, `admitted` (takes traffic while healthy), and `deleting` (on its way out: from the first
 * moment of a drain, so it gets no new requests).
 */
export type InstancePhase = Extract<InstanceState, LaunchState | 'admitted' | 'deleting'>;

/** An admitted instance's health as the HealthModule sees it: only `healthy` ones may take traffic. */
export type InstanceHealth = 'healthy' | 'ejected';

/** Who took an instance out of rotation: failed health checks, or failed real requests (passive). */
export type EjectionSource = 'health-checks' | 'passive';

export interface HealthCheckRecord {
  readonly ok: boolean;
  readonly detail: string;
  /** Wall-clock ISO time of the check. */
  readonly at: string;
}

/** One instance as the pool tracks it. Mutated only by InstancePool. */
export interface PoolInstance {
  readonly id: string;
  readonly name: string;
  readonly role: InstanceRole;
  phase: InstancePhase;
  health: InstanceHealth;
  /** Set once the instance has an address (from `addressing` on). */
  backend?: Backend;
  /** Monotonic ms when the pool first saw it, and when it was admitted. */
  readonly registeredAtMs: number;
  admittedAtMs?: number;
  readonly registeredAt: string;
  /** Requests handed to it / currently in flight on it. */
  requestsServed: number;
  inFlight: number;
  consecutiveCheckFailures: number;
  consecutiveCheckPasses: number;
  lastCheck?: HealthCheckRecord;
  /** Forwarded requests in a row that failed at the transport (refused, reset, timed out). */
  consecutiveTransportFailures: number;
  /** Set while `health` is `ejected`. */
  ejectedBy?: EjectionSource;
}
