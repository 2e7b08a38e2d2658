import { DataPlaneCounters, MemberCounters } from '../seams/data-plane';
import { CounterDeltas } from './counter-deltas';

function reading(
  epoch: number,
  forwarded: number,
  rejected: number,
  members: Record<string, Partial<MemberCounters>> = {},
): DataPlaneCounters {
  return {
    epoch,
    forwardedRequests: forwarded,
    rejectedRequests: rejected,
    members: new Map(
      Object.entries(members).map(([id, m]) => [
        id,
        { requests: 0, inFlight: 0, errors: 0, responses: 0, ...m },
      ]),
    ),
  };
}

describe('CounterDeltas', () => {
  it('turns cumulative counters into changes since the previous reading', () => {
    const deltas = new CounterDeltas();
    expect(deltas.next(reading(1, 5, 1, { a: { requests: 5, responses: 5 } }))).toMatchObject({
      forwarded: 5,
      rejected: 1,
    });
    const change = deltas.next(
      reading(1, 12, 1, { a: { requests: 9, responses: 8, errors: 1 }, b: { requests: 3 } }),
    );
    expect(change).toMatchObject({ forwarded: 7, rejected: 0 });
    expect(change.members.get('a')).toEqual({ requests: 4, errors: 1, responses: 3 });
    // A member seen for the first time: everything it reports is new.
    expect(change.members.get('b')).toEqual({ requests: 3, errors: 0, responses: 0 });
    expect(deltas.totals).toEqual({ forwarded: 12, rejected: 1 });
  });

  it('starts over on a new epoch (the data plane restarted: its counters began again at zero)', () => {
    const deltas = new CounterDeltas();
    deltas.next(reading(1, 100, 3, { a: { requests: 100 } }));
    const change = deltas.next(reading(2, 4, 0, { a: { requests: 4 } }));
    expect(change).toMatchObject({ forwarded: 4, rejected: 0 });
    expect(change.members.get('a')?.requests).toBe(4);
  });

  it('takes a counter that went down without a new epoch (member deleted and added again) as new', () => {
    const deltas = new CounterDeltas();
    deltas.next(reading(1, 10, 0, { a: { requests: 10 } }));
    expect(deltas.next(reading(1, 12, 0, { a: { requests: 2 } })).members.get('a')?.requests).toBe(
      2,
    );
  });
});
