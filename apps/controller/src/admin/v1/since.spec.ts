import { parseSince } from './since';

describe('parseSince (?since= of GET /v1/events)', () => {
  const now = new Date('2026-12-07T12:00:00.000Z');

  it.each([
    ['30s', '2026-12-07T11:59:30.000Z'],
    ['10m', '2026-12-07T11:50:00.000Z'],
    ['2h', '2026-12-07T10:00:00.000Z'],
    ['1d', '2026-12-06T12:00:00.000Z'],
    ['2026-12-07T11:00:00Z', '2026-12-07T11:00:00.000Z'],
    ['2026-12-07T11:00:00.5+01:00', '2026-12-07T10:00:00.500Z'],
    ['2026-12-07', '2026-12-07T00:00:00.000Z'],
  ])('reads %s', (text, expected) => {
    expect(parseSince(text, now)?.toISOString()).toBe(expected);
  });

  it.each(['', '10', 'm', '10 minutes', '-5m', 'yesterday', 'Dec 7 2026', '2026-13-45T99:00:00Z'])(
    'refuses %j',
    (text) => {
      expect(parseSince(text, now)).toBeUndefined();
    },
  );
});
