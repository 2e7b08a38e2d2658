import type { LoadBalancerStats } from '@osa/openstack-client';
import type { DataPlaneCounters, DataPlaneMember, MemberCounters } from '../../seams/data-plane';

/**
 * Turns Octavia's listener statistics into the seam's counters. Octavia reports connections for
 * the whole listener, never per member, and its counters restart from zero when the amphora's
 * HAProxy reloads (every member change on the devcloud): so
 * - `forwardedRequests` is `total_connections` (a keep-alive connection may carry many requests:
 *   the request-count trigger becomes a connection-count trigger), and a counter that went down
 *   starts a new epoch (connections between the last reading and the reload are not seen);
 * - per member, requests and in-flight are an even split over the ready members (an estimate:
 *   exact with round robin and equal requests, not otherwise);
 * - a draining member counts one request in flight for `drainGraceMs` after its weight 0 was in
 *   place. A reading with no active connection does not end it sooner: the figure is for the
 *   whole listener, sampled by Octavia every few seconds (so it may predate the change), and a
 *   HAProxy reload's old worker still finishing requests on the member is not in it.
 */
export class OctaviaTrafficEstimate {
  private epoch = 1;
  private lastTotal = 0;
  private readonly requestsByMember = new Map<string, number>();
  /** Draining instance id -> when its weight 0 was ACTIVE (ms on the clock). */
  private readonly drains = new Map<string, { sinceMs: number }>();

  constructor(private readonly drainGraceMs: number) {}

  /** The member set Octavia now has in place (after a change went ACTIVE). */
  applied(members: readonly DataPlaneMember[], nowMs: number): void {
    const draining = new Set<string>();
    for (const m of members) {
      if (m.state !== 'drain') continue;
      draining.add(m.backend.id);
      if (!this.drains.has(m.backend.id)) this.drains.set(m.backend.id, { sinceMs: nowMs });
    }
    for (const id of [...this.drains.keys()]) if (!draining.has(id)) this.drains.delete(id);
  }

  counters(
    stats: LoadBalancerStats,
    nowMs: number,
    members: readonly DataPlaneMember[],
  ): DataPlaneCounters {
    if (stats.totalConnections < this.lastTotal) {
      this.epoch += 1;
      this.requestsByMember.clear();
      this.lastTotal = 0;
    }
    const ready = members.filter((m) => m.state === 'ready').map((m) => m.backend.id);
    spread(stats.totalConnections - this.lastTotal, ready, (id, n) =>
      this.requestsByMember.set(id, (this.requestsByMember.get(id) ?? 0) + n),
    );
    this.lastTotal = stats.totalConnections;
    const inFlight = new Map<string, number>();
    spread(stats.activeConnections, ready, (id, n) => inFlight.set(id, n));
    for (const [id, drain] of this.drains)
      inFlight.set(id, nowMs - drain.sinceMs >= this.drainGraceMs ? 0 : 1);
    const out = new Map<string, MemberCounters>();
    for (const m of members) {
      const id = m.backend.id;
      out.set(id, {
        requests: this.requestsByMember.get(id) ?? 0,
        inFlight: inFlight.get(id) ?? 0,
        errors: 0,
        responses: this.requestsByMember.get(id) ?? 0,
      });
    }
    return {
      epoch: this.epoch,
      forwardedRequests: stats.totalConnections,
      rejectedRequests: 0,
      members: out,
    };
  }
}

/** Splits `total` over `ids` as evenly as whole numbers allow. */
function spread(total: number, ids: readonly string[], add: (id: string, n: number) => void): void {
  if (ids.length === 0 || total <= 0) return;
  const share = Math.floor(total / ids.length);
  ids.forEach((id, i) => add(id, share + (i < total % ids.length ? 1 : 0)));
}
