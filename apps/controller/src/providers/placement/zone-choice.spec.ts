import { chooseZone, zoneCrowding } from './zone-choice';

describe('availability-zone spread (pure)', () => {
  const zones = ['az1', 'az2', 'az3'];

  it('without zones Nova chooses', () => {
    expect(chooseZone([], new Map(), new Map(), 0)).toBeUndefined();
  });

  it('the zone with the fewest instances; ties by configured order', () => {
    expect(chooseZone(zones, new Map(), new Map(), 0)?.zone).toBe('az1');
    expect(chooseZone(zones, new Map([['az1', 1]]), new Map(), 0)?.zone).toBe('az2');
    expect(
      chooseZone(
        zones,
        new Map([
          ['az1', 2],
          ['az2', 1],
          ['az3', 1],
        ]),
        new Map(),
        0,
      )?.zone,
    ).toBe('az2');
  });

  it('skips a zone whose build failed until its back-off ends', () => {
    const skipped = new Map([['az1', 1_000]]);
    expect(chooseZone(zones, new Map(), skipped, 500)).toEqual({ zone: 'az2', skipped: ['az1'] });
    expect(chooseZone(zones, new Map(), skipped, 1_000)).toEqual({ zone: 'az1', skipped: [] });
  });

  it('when every zone is backing off, the one that comes back first is used', () => {
    const skipped = new Map([
      ['az1', 3_000],
      ['az2', 2_000],
      ['az3', 5_000],
    ]);
    expect(chooseZone(zones, new Map(), skipped, 0)).toEqual({
      zone: 'az2',
      skipped: ['az1', 'az3'],
    });
  });

  it('scale-in crowding: instances of the most crowded zone rank highest, unknown zones lowest', () => {
    const zoneOf = (id: string): string | undefined => ({ a: 'az1', b: 'az1', c: 'az2' })[id];
    const crowding = zoneCrowding(
      [{ id: 'a' }, { id: 'b' }, { id: 'c' }, { id: 'original' }],
      zoneOf,
    );
    expect([...crowding]).toEqual([
      ['a', 2],
      ['b', 2],
      ['c', 1],
      ['original', 0],
    ]);
  });
});
