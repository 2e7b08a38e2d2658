import { DataPlaneCounters } from '../seams/data-plane';

/** What changed between two readings of a data plane's cumulative counters. */
export interface CounterChange {
  readonly forwarded: number;
  readonly rejected: number;
  /** Per member id: new requests, transport errors and responses since the previous reading. */
  readonly members: ReadonlyMap<
    string,
    { readonly requests: number; readonly errors: number; readonly responses: number }
  >;
}

/**
 * Turns cumulative counters into "since the last reading". A new epoch (the data plane's counters
 * started again from zero, e.g. HAProxy was restarted) counts everything it reports as new; a
 * member seen for the first time likewise (its counters start at zero when it is added). A counter
 * that went down without a new epoch (a member deleted and added again) also starts over.
 */
export class CounterDeltas {
  private previous: DataPlaneCounters | undefined;
  /** Sums of every change so far (for /metrics). */
  readonly totals = { forwarded: 0, rejected: 0 };

  next(counters: DataPlaneCounters): CounterChange {
    const before = this.previous?.epoch === counters.epoch ? this.previous : undefined;
    this.previous = counters;
    const members = new Map<string, { requests: number; errors: number; responses: number }>();
    for (const [id, now] of counters.members) {
      const then = before?.members.get(id);
      members.set(id, {
        requests: since(now.requests, then?.requests),
        errors: since(now.errors, then?.errors),
        responses: since(now.responses, then?.responses),
      });
    }
    const change = {
      forwarded: since(counters.forwardedRequests, before?.forwardedRequests),
      rejected: since(counters.rejectedRequests, before?.rejectedRequests),
      members,
    };
    this.totals.forwarded += change.forwarded;
    this.totals.rejected += change.rejected;
    return change;
  }
}

function since(now: number, then: number | undefined): number {
  return then === undefined || now < then ? now : now - then;
}
