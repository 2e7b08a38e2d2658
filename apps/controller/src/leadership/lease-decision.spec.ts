import { ManualClock } from '../../test-support/manual-clock';
import {
  ContenderState,
  decideLease,
  LeaseReading,
  LeaseSettings,
  leaderStillActing,
} from './lease-decision';
import { decodeLeaseRecord, encodeLeaseRecord, LeaseRecord } from './lease-record';

const A: LeaseSettings = { holderId: 'ctl-a', leaseDurationMs: 15_000, renewIntervalMs: 5_000 };
const B: LeaseSettings = { ...A, holderId: 'ctl-b' };

function held(holder: string, token: string, extra: Partial<LeaseRecord> = {}): LeaseRecord {
  return { holder, token, leaseMs: 15_000, until: '', released: false, ...extra };
}
function reading(revision: number, record: LeaseRecord | undefined): LeaseReading {
  return { resourceId: 'sg-1', revision, record };
}

describe('decideLease', () => {
  let clock: ManualClock;
  beforeEach(() => {
    clock = new ManualClock();
  });

  it('a standby on a new resource waits a whole lease duration of unchanged revision, then acquires', async () => {
    let state: ContenderState = {};
    let decision = decideLease(reading(1, undefined), state, B, clock.nowMs());
    expect(decision).toMatchObject({ kind: 'standby', nextCheckInMs: 5_000 });
    state = decision.state;
    await clock.advance(14_999);
    decision = decideLease(reading(1, undefined), state, B, clock.nowMs());
    expect(decision).toMatchObject({ kind: 'standby', nextCheckInMs: 1 });
    await clock.advance(1);
    decision = decideLease(reading(1, undefined), decision.state, B, clock.nowMs());
    expect(decision).toMatchObject({ kind: 'acquire', ifMatchRevision: 1 });
  });

  it('a standby restarts its wait whenever the holder renews (the revision moves)', async () => {
    let decision = decideLease(reading(5, held('ctl-a', 't1')), {}, B, clock.nowMs());
    await clock.advance(10_000);
    decision = decideLease(reading(6, held('ctl-a', 't2')), decision.state, B, clock.nowMs());
    expect(decision.kind).toBe('standby');
    await clock.advance(10_000); // 20 s since the first reading, but only 10 s since revision 6
    decision = decideLease(reading(6, held('ctl-a', 't2')), decision.state, B, clock.nowMs());
    expect(decision).toMatchObject({ kind: 'standby', holder: 'ctl-a', nextCheckInMs: 5_000 });
    await clock.advance(5_000);
    expect(
      decideLease(reading(6, held('ctl-a', 't2')), decision.state, B, clock.nowMs()),
    ).toMatchObject({ kind: 'acquire', ifMatchRevision: 6 });
  });

  it("uses the longer of its own and the holder's lease duration", async () => {
    const decision = decideLease(
      reading(2, held('ctl-a', 't', { leaseMs: 60_000 })),
      {},
      B,
      clock.nowMs(),
    );
    await clock.advance(15_000);
    expect(
      decideLease(
        reading(2, held('ctl-a', 't', { leaseMs: 60_000 })),
        decision.state,
        B,
        clock.nowMs(),
      ).kind,
    ).toBe('standby');
  });

  it('acquires a released lease at once', () => {
    expect(
      decideLease(
        reading(9, held('ctl-a', 't', { released: true, holder: '' })),
        {},
        B,
        clock.nowMs(),
      ),
    ).toMatchObject({ kind: 'acquire', ifMatchRevision: 9 });
  });

  it('a leader holds until renewInterval after its last write was sent, then renews on the revision it read', async () => {
    const state: ContenderState = { held: { token: 'mine', sentMs: clock.nowMs() } };
    expect(decideLease(reading(3, held('ctl-a', 'mine')), state, A, clock.nowMs())).toMatchObject({
      kind: 'hold',
      nextCheckInMs: 5_000,
    });
    await clock.advance(5_000);
    expect(decideLease(reading(3, held('ctl-a', 'mine')), state, A, clock.nowMs())).toMatchObject({
      kind: 'renew',
      ifMatchRevision: 3,
    });
  });

  it('a leader whose renew could not be confirmed stops acting renewInterval BEFORE the lease ends', async () => {
    const state: ContenderState = { held: { token: 'mine', sentMs: clock.nowMs() } };
    await clock.advance(9_999);
    expect(leaderStillActing(state, A, clock.nowMs())).toBe(true);
    await clock.advance(1);
    expect(leaderStillActing(state, A, clock.nowMs())).toBe(false);
    expect(decideLease(reading(3, held('ctl-a', 'mine')), state, A, clock.nowMs()).kind).toBe(
      'step-down',
    );
  });

  it('a paused leader that wakes after a standby took over steps down, and the standby was never early', async () => {
    // A renews (write sent at 0, committed as revision 4); B first sees revision 4 at 1 s.
    const aState: ContenderState = { held: { token: 'a1', sentMs: clock.nowMs() } };
    await clock.advance(1_000);
    let b = decideLease(reading(4, held('ctl-a', 'a1')), {}, B, clock.nowMs());
    // A is paused. B may take over only once 4 stayed unchanged 15 s from ITS first sight.
    let tookOverAt = -1;
    while (tookOverAt < 0) {
      await clock.advance(b.kind === 'standby' ? b.nextCheckInMs : 1_000);
      b = decideLease(reading(4, held('ctl-a', 'a1')), b.state, B, clock.nowMs());
      if (b.kind === 'acquire') tookOverAt = clock.nowMs();
    }
    expect(tookOverAt).toBe(16_000);
    // A stopped acting at 10 s on its own clock: never two actors.
    expect(leaderStillActing(aState, A, tookOverAt)).toBe(false);
    expect(leaderStillActing(aState, A, 9_999)).toBe(true);
    // A wakes and reads: B holds revision 5 now.
    expect(decideLease(reading(5, held('ctl-b', 'b1')), aState, A, clock.nowMs()).kind).toBe(
      'step-down',
    );
  });

  it('a leader that finds another holder steps down even inside its acting time', () => {
    const state: ContenderState = { held: { token: 'mine', sentMs: clock.nowMs() } };
    expect(decideLease(reading(7, held('ctl-b', 'theirs')), state, A, clock.nowMs())).toMatchObject(
      { kind: 'step-down' },
    );
    expect(
      decideLease(reading(7, held('ctl-a', 'older-token')), state, A, clock.nowMs()),
    ).toMatchObject({ kind: 'step-down' });
  });
});

describe('lease record', () => {
  it("round-trips and fits Neutron's 255-character description", () => {
    const record = held('controller-' + 'x'.repeat(60), 'a'.repeat(32), {
      until: '2026-12-07T20:00:00.000Z',
    });
    const text = encodeLeaseRecord(record);
    expect(text.length).toBeLessThanOrEqual(255);
    expect(decodeLeaseRecord(text)).toEqual(record);
  });

  it('reads anything else (new resource, foreign text) as unknown', () => {
    for (const text of [
      '',
      'osa lease',
      '{"v":2}',
      '{"v":1,"holder":"a","token":"t","leaseMs":-1}',
    ])
      expect(decodeLeaseRecord(text)).toBeUndefined();
  });
});

describe('decideLease: a write of ours whose answer was lost', () => {
  let clock: ManualClock;
  beforeEach(() => {
    clock = new ManualClock();
  });

  it('a renew that landed although its call failed is ours: hold, not step down', async () => {
    const renewSentMs = clock.nowMs() + 5_000;
    await clock.advance(5_000);
    // Leader since t=0 with token t1; the renew with token t2 was sent at 5 s and its answer lost.
    const state: ContenderState = {
      held: { token: 't1', sentMs: 0 },
      pending: [{ token: 't2', sentMs: renewSentMs }],
    };
    await clock.advance(1_250);
    const decision = decideLease(reading(8, held('ctl-a', 't2')), state, A, clock.nowMs());
    expect(decision).toMatchObject({ kind: 'hold', nextCheckInMs: 3_750 });
    expect(decision.state).toEqual({ held: { token: 't2', sentMs: renewSentMs } });
    expect(leaderStillActing(decision.state, A, clock.nowMs())).toBe(true);
  });

  it('a renew that has not landed (yet) is kept pending: the old token still stands, so renew again', async () => {
    await clock.advance(6_250);
    const state: ContenderState = {
      held: { token: 't1', sentMs: 0 },
      pending: [{ token: 't2', sentMs: 5_000 }],
    };
    const decision = decideLease(reading(7, held('ctl-a', 't1')), state, A, clock.nowMs());
    expect(decision).toMatchObject({ kind: 'renew', ifMatchRevision: 7 });
    expect(decision.state).toEqual({
      held: { token: 't1', sentMs: 0 },
      pending: [{ token: 't2', sentMs: 5_000 }],
    });
  });

  it("another holder's token is never taken for ours, pending or not", async () => {
    await clock.advance(6_250);
    const state: ContenderState = {
      held: { token: 't1', sentMs: 0 },
      pending: [{ token: 't2', sentMs: 5_000 }],
    };
    expect(decideLease(reading(8, held('ctl-b', 't2')), state, A, clock.nowMs()).kind).toBe(
      'step-down',
    );
  });

  it('an acquire that landed although its call failed makes the contender leader', () => {
    const state: ContenderState = {
      watched: { resourceId: 'sg-1', revision: 3, sinceMs: -20_000 },
      pending: [{ token: 't9', sentMs: 0 }],
    };
    const decision = decideLease(reading(4, held('ctl-a', 't9')), state, A, clock.nowMs());
    expect(decision.kind).toBe('hold');
    expect(decision.state.held).toEqual({ token: 't9', sentMs: 0 });
  });
});
