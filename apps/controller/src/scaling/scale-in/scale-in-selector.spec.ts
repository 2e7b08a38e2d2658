import { SystemClock } from '../../clock/clock';
import { InstancePool } from '../../pool/instance-pool';
import { chooseScaleInVictims } from './scale-in-selector';

describe('chooseScaleInVictims', () => {
  function pool(): InstancePool {
    const instances = new InstancePool(new SystemClock());
    const admit = (
      id: string,
      role: 'original' | 'clone',
      inFlight: number,
      admittedAtMs: number,
    ): void => {
      instances.register({
        id,
        name: id,
        role,
        phase: 'health-checking',
        backend: { id, host: '127.0.0.1', port: 5000 },
      });
      instances.admit(id);
      const instance = instances.get(id);
      if (!instance) throw new Error('missing');
      instance.admittedAtMs = admittedAtMs;
      for (let n = 0; n < inFlight; n++) instances.requestStarted(id);
    };
    admit('vm1', 'original', 0, 1);
    admit('a', 'clone', 5, 2);
    admit('b', 'clone', 1, 3);
    admit('c', 'clone', 3, 4);
    instances.register({ id: 'booting', name: 'booting', role: 'clone', phase: 'booting' });
    return instances;
  }
  const ids = (chosen: { id: string }[]): string[] => chosen.map((instance) => instance.id);

  it('newest: the most recently admitted first, never the protected original nor one not admitted', () => {
    const instances = pool();
    expect(
      ids(
        chooseScaleInVictims(instances.list(), 2, { selection: 'newest', protectOriginal: true }),
      ),
    ).toEqual(['c', 'b']);
    expect(
      ids(
        chooseScaleInVictims(instances.list(), 10, { selection: 'newest', protectOriginal: true }),
      ),
    ).toEqual(['c', 'b', 'a']);
    expect(
      ids(
        chooseScaleInVictims(instances.list(), 10, { selection: 'newest', protectOriginal: false }),
      ),
    ).toEqual(['c', 'b', 'a', 'vm1']);
  });

  it('least-loaded: the fewest requests in flight first (the unprotected idle original included)', () => {
    const instances = pool();
    expect(
      ids(
        chooseScaleInVictims(instances.list(), 2, {
          selection: 'least-loaded',
          protectOriginal: true,
        }),
      ),
    ).toEqual(['b', 'c']);
    expect(
      ids(
        chooseScaleInVictims(instances.list(), 1, {
          selection: 'least-loaded',
          protectOriginal: false,
        }),
      ),
    ).toEqual(['vm1']);
  });

  it('an instance out of rotation goes first whatever the selection', () => {
    const instances = pool();
    instances.eject('a', 'failing');
    expect(
      ids(
        chooseScaleInVictims(instances.list(), 1, { selection: 'newest', protectOriginal: true }),
      ),
    ).toEqual(['a']);
    expect(
      ids(
        chooseScaleInVictims(instances.list(), 0, { selection: 'newest', protectOriginal: true }),
      ),
    ).toEqual([]);
  });

  it('with zones: the zone holding the most instances loses first, then the usual order', () => {
    const instances = pool();
    const zoneOf = (id: string): string | undefined => ({ a: 'az1', b: 'az1', c: 'az2' })[id];
    expect(
      ids(
        chooseScaleInVictims(instances.list(), 3, {
          selection: 'newest',
          protectOriginal: true,
          zoneOf,
        }),
      ),
    ).toEqual(['b', 'a', 'c']);
  });
});
