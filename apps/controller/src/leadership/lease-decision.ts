import { LeaseRecord } from './lease-record';

/**
 * The pure rules of the lease (docs/architecture.md "The controller as a pair"). Nothing here
 * does I/O or reads a clock: the service passes what it read and `nowMs` (monotonic, local).
 *
 * The races this guards against:
 * - Two standbys acquiring at once: both write with `If-Match: revision_number=N`. One after the
 *   other, the second gets 412. Overlapping, the devcloud's Neutron was seen to apply BOTH (its
 *   check is not serialised with the update), so LeaderElection counts a write only after a read
 *   once every overlapping write has ended still shows its token: one record survives, one wins.
 * - A paused leader (GC, SIGSTOP, a frozen VM) that wakes after its lease ran out: it stops
 *   acting on its OWN clock at `lastRenewSentMs + leaseDuration - renewInterval`, i.e. before any
 *   standby may take over (a standby waits a whole leaseDuration from when it first SAW that
 *   renew, which is after the renew was sent). Its next write carries the old revision and gets
 *   412. Renewing every renewInterval with leaseDuration >= 3 x renewInterval leaves at least one
 *   retry before it must step down.
 * - Wall clocks that disagree: no expiry time written by another machine is trusted; a standby
 *   times the revision staying unchanged on its own monotonic clock.
 */

export interface LeaseSettings {
  readonly holderId: string;
  readonly leaseDurationMs: number;
  readonly renewIntervalMs: number;
}

/** The lease resource as read now. */
export interface LeaseReading {
  readonly resourceId: string;
  readonly revision: number;
  /** undefined: a new resource, or a description we did not write (held by someone unknown). */
  readonly record: LeaseRecord | undefined;
}

/** What this contender remembers between readings. */
export interface ContenderState {
  /** The revision being watched, and since when (local monotonic ms) it has not changed. */
  readonly watched?: {
    readonly resourceId: string;
    readonly revision: number;
    readonly sinceMs: number;
  };
  /** While leader: the token of our last confirmed write and when that write was SENT. */
  readonly held?: { readonly token: string; readonly sentMs: number };
  /**
   * Our writes since the last confirmed one whose outcome is unknown (the call timed out or failed
   * after sending, or its confirming read failed): Neutron may have applied them, even after a
   * later reading. A reading that carries one of their tokens shows it landed: it is ours.
   */
  readonly pending?: readonly PendingWrite[];
}

export interface PendingWrite {
  readonly token: string;
  readonly sentMs: number;
}

/** The pending write of ours this record shows landed, if any. */
export function landedWrite(
  record: LeaseRecord | undefined,
  state: ContenderState,
  settings: LeaseSettings,
): PendingWrite | undefined {
  if (!record || record.holder !== settings.holderId) return undefined;
  return state.pending?.find((write) => write.token === record.token);
}

export type LeaseDecision =
  | {
      readonly kind: 'acquire';
      readonly ifMatchRevision: number;
      readonly why: string;
      readonly state: ContenderState;
    }
  | { readonly kind: 'renew'; readonly ifMatchRevision: number; readonly state: ContenderState }
  | { readonly kind: 'hold'; readonly nextCheckInMs: number; readonly state: ContenderState }
  | {
      readonly kind: 'standby';
      readonly nextCheckInMs: number;
      readonly holder: string;
      readonly why: string;
      readonly state: ContenderState;
    }
  | { readonly kind: 'step-down'; readonly why: string; readonly state: ContenderState };

/** Until when (local monotonic ms) a leader whose last confirmed write was sent at `sentMs` may act. */
export function actingDeadlineMs(sentMs: number, settings: LeaseSettings): number {
  return sentMs + settings.leaseDurationMs - settings.renewIntervalMs;
}

/** The decision while holding the lease, without a fresh reading (the timer's own check). */
export function leaderStillActing(
  state: ContenderState,
  settings: LeaseSettings,
  nowMs: number,
): boolean {
  return state.held !== undefined && nowMs < actingDeadlineMs(state.held.sentMs, settings);
}

export function decideLease(
  reading: LeaseReading,
  state: ContenderState,
  settings: LeaseSettings,
  nowMs: number,
): LeaseDecision {
  const record = reading.record;
  // A write of ours whose answer was lost but which landed: the reading comes at least a retry
  // interval after it was sent, so every overlapping write has ended (the write's own call
  // timeout) and the token still standing is as good as a confirming read. Without this a leader
  // whose renew answer was lost (a slow Neutron PUT) would read its own new token as "held by
  // someone else" and step down needlessly.
  const landed = landedWrite(record, state, settings);
  if (landed) state = { watched: state.watched, held: landed };
  const pending = state.pending ? { pending: state.pending } : {};
  if (state.held) {
    const deadline = actingDeadlineMs(state.held.sentMs, settings);
    if (nowMs >= deadline) {
      return {
        kind: 'step-down',
        why: `no renew confirmed in time: acting ended ${nowMs - deadline} ms ago (leaseDurationMs - renewIntervalMs after the last confirmed renew was sent)`,
        state: { watched: watch(reading, state, nowMs) },
      };
    }
    if (!record || record.holder !== settings.holderId || record.token !== state.held.token) {
      return {
        kind: 'step-down',
        why: `the lease is now held by ${record?.holder || 'nobody we know'} (revision ${reading.revision})`,
        state: { watched: watch(reading, state, nowMs) },
      };
    }
    const dueInMs = state.held.sentMs + settings.renewIntervalMs - nowMs;
    if (dueInMs <= 0) return { kind: 'renew', ifMatchRevision: reading.revision, state };
    return { kind: 'hold', nextCheckInMs: dueInMs, state };
  }
  if (record?.released) {
    return {
      kind: 'acquire',
      ifMatchRevision: reading.revision,
      why: `released by ${record.holder || 'its last holder'}`,
      state: { watched: watch(reading, state, nowMs), ...pending },
    };
  }
  const watched = watch(reading, state, nowMs);
  // Our own record from an earlier run is treated like anyone's: that run may still be acting.
  const leaseMs = Math.max(settings.leaseDurationMs, record?.leaseMs ?? 0);
  const unchangedMs = nowMs - watched.sinceMs;
  const holder = record?.holder || (record ? '(nobody)' : '(new or unknown)');
  if (unchangedMs >= leaseMs) {
    return {
      kind: 'acquire',
      ifMatchRevision: reading.revision,
      why: `revision ${reading.revision} (holder ${holder}) unchanged for ${unchangedMs} ms >= ${leaseMs} ms`,
      state: { watched, ...pending },
    };
  }
  return {
    kind: 'standby',
    nextCheckInMs: Math.min(settings.renewIntervalMs, leaseMs - unchangedMs),
    holder,
    why: `held by ${holder}; expires if revision ${reading.revision} stays unchanged ${leaseMs - unchangedMs} ms more`,
    state: { watched, ...pending },
  };
}

/** The watch on this reading: kept when the resource and revision are the same, else started now. */
function watch(
  reading: LeaseReading,
  state: ContenderState,
  nowMs: number,
): NonNullable<ContenderState['watched']> {
  const previous = state.watched;
  if (
    previous &&
    previous.resourceId === reading.resourceId &&
    previous.revision === reading.revision
  )
    return previous;
  return { resourceId: reading.resourceId, revision: reading.revision, sinceMs: nowMs };
}
