import {
  capacityInForce,
  lastOccurrence,
  nextOccurrence,
  ScheduleEntry,
  scheduledDesired,
  upcomingChanges,
} from './schedule-decisions';

const at = (iso: string): number => Date.parse(iso);
const base = { minInstances: 1, maxInstances: 4 };
// Weekdays 09:00-18:00 Berlin: three instances at least, then back to one.
const workday: ScheduleEntry[] = [
  { index: 0, name: 'morning', cron: '0 9 * * 1-5', timeZone: 'Europe/Berlin', minInstances: 3 },
  { index: 1, name: 'evening', cron: '0 18 * * 1-5', timeZone: 'Europe/Berlin', minInstances: 1 },
];

describe('scheduled capacity decisions (pure, over a given time)', () => {
  it('reads the expression in its time zone: 09:00 Berlin is 08:00 UTC in winter, 07:00 in summer', () => {
    expect(new Date(nextOccurrence(workday[0], at('2026-01-05T00:00:00Z'))).toISOString()).toBe(
      '2026-01-05T08:00:00.000Z',
    );
    expect(new Date(nextOccurrence(workday[0], at('2026-07-06T00:00:00Z'))).toISOString()).toBe(
      '2026-07-06T07:00:00.000Z',
    );
  });

  it('finds the last occurrence at or before a time, including exactly at it, across a weekend', () => {
    expect(lastOccurrence(workday[0], at('2026-01-05T08:00:00Z'))).toBe(at('2026-01-05T08:00:00Z'));
    expect(lastOccurrence(workday[0], at('2026-01-05T07:59:59Z'))).toBe(at('2026-01-02T08:00:00Z')); // Monday early: Friday's
    const everyTwoSeconds: ScheduleEntry = {
      index: 0,
      cron: '*/2 * * * * *',
      timeZone: 'UTC',
      desired: 2,
    };
    expect(lastOccurrence(everyTwoSeconds, at('2026-01-05T08:00:03.500Z'))).toBe(
      at('2026-01-05T08:00:02Z'),
    );
    const yearly: ScheduleEntry = { index: 0, cron: '0 0 1 1 *', timeZone: 'UTC', desired: 2 };
    expect(lastOccurrence(yearly, at('2026-06-01T00:00:00Z'))).toBe(at('2026-01-01T00:00:00Z'));
  });

  it('the entry in force at T: during work hours min 3, after 18:00 min 1, on Sunday the config says what Friday evening set', () => {
    expect(capacityInForce(workday, base, at('2026-01-05T10:00:00Z'))).toMatchObject({
      minInstances: 3,
      maxInstances: 4,
      minSource: { entry: 'morning', firedAtMs: at('2026-01-05T08:00:00Z') },
    });
    expect(capacityInForce(workday, base, at('2026-01-05T17:00:01Z')).minInstances).toBe(1);
    expect(capacityInForce(workday, base, at('2026-01-04T12:00:00Z')).minSource?.entry).toBe(
      'evening',
    );
  });

  it('is restart-safe: what holds depends on the time only, not on which firings were seen', () => {
    // A controller down from 07:00 to 12:00 UTC: at 12:00 the morning entry is in force, not skipped.
    const afterRestart = capacityInForce(workday, base, at('2026-01-05T12:00:00Z'));
    const stayedUp = capacityInForce(workday, base, at('2026-01-05T12:00:00Z'));
    expect(afterRestart).toEqual(stayedUp);
    expect(afterRestart.minInstances).toBe(3);
  });

  it('without any entry having fired, the configuration holds; max follows min up', () => {
    const future: ScheduleEntry[] = [
      { index: 0, cron: '0 0 1 1 *', timeZone: 'UTC', minInstances: 6 },
    ];
    expect(capacityInForce([], base, at('2026-01-05T00:00:00Z'))).toEqual({
      minInstances: 1,
      maxInstances: 4,
      desired: undefined,
      minSource: undefined,
      maxSource: undefined,
    });
    expect(capacityInForce(future, base, at('2026-01-05T00:00:00Z'))).toMatchObject({
      minInstances: 6,
      maxInstances: 6,
    });
  });

  it('per field the latest firing wins; at the same moment the later entry wins', () => {
    const entries: ScheduleEntry[] = [
      { index: 0, cron: '0 8 * * *', timeZone: 'UTC', minInstances: 2, desired: 3 },
      { index: 1, cron: '0 9 * * *', timeZone: 'UTC', maxInstances: 8 },
      { index: 2, cron: '0 9 * * *', timeZone: 'UTC', maxInstances: 6 },
    ];
    const inForce = capacityInForce(entries, base, at('2026-01-05T09:30:00Z'));
    expect(inForce).toMatchObject({
      minInstances: 2,
      maxInstances: 6,
      desired: { count: 3, firedAtMs: at('2026-01-05T08:00:00Z') },
    });
  });

  it('a scheduled desired is clamped by the min/max in force; without a fresh one, the current count is only re-clamped', () => {
    const inForce = {
      minInstances: 2,
      maxInstances: 3,
      desired: { count: 9, entry: 'x', firedAtMs: 0 },
    };
    expect(scheduledDesired(inForce, 1, true)).toBe(3);
    expect(scheduledDesired(inForce, 1, false)).toBe(2);
    expect(scheduledDesired(inForce, undefined, false)).toBeUndefined();
  });

  it('lists the next three changes, soonest first', () => {
    const next = upcomingChanges(workday, at('2026-01-09T12:00:00Z'), 3); // Friday noon
    expect(next.map((c) => [new Date(c.atMs).toISOString(), c.entry])).toEqual([
      ['2026-01-09T17:00:00.000Z', 'evening'],
      ['2026-01-12T08:00:00.000Z', 'morning'],
      ['2026-01-12T17:00:00.000Z', 'evening'],
    ]);
  });
});
