import { Backend } from '../proxy/traffic-director';

/** The original backend (seed `service-vm-1`, never deleted by us) or a clone we created. */
export type InstanceRole = 'original' | 'clone';

/**
 * Where an instance is in its life. The first four are the scale-out states
 * (`creating -> booting -> addressing -> health-checking -> admitted`); `admitted` instances take
 * traffic while healthy; `deleting` is on its way out.
 */
export type InstancePhase = 'creating' | 'booting' | 'addressing' | 'health-checking' | 'admitted' | 'deleting';

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
