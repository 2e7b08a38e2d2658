import { SystemClock } from '../clock/clock';
import { InstancePool } from './instance-pool';

describe('InstancePool', () => {
  it('tracks phase, capacity, load and health checks, and tells listeners once per change', () => {
    const pool = new InstancePool(new SystemClock());
    const events: string[] = [];
    for (const name of [
      'registered',
      'phase',
      'admitted',
      'ejected',
      'restored',
      'removed',
    ] as const) {
      pool.events.on(name, (instance: { name: string }) => events.push(`${name}:${instance.name}`));
    }
    pool.register({
      id: '1',
      name: 'vm1',
      role: 'original',
      phase: 'health-checking',
      backend: { id: '1', host: '127.0.10.1', port: 5000 },
    });
    pool.register({ id: '2', name: 'auto', role: 'clone', phase: 'booting' });
    expect(pool.capacityUsed()).toBe(2);
    expect(() => pool.admit('2')).toThrow('cannot be admitted without an address');
    pool.admit('1');
    pool.setPhase('1', 'admitted'); // no change, no event
    pool.requestStarted('1');
    pool.requestStarted('1');
    pool.requestFinished('1');
    expect(pool.get('1')).toMatchObject({ requestsServed: 2, inFlight: 1 });
    pool.recordCheck('1', { ok: false, detail: 'ECONNREFUSED', at: '' });
    pool.recordCheck('1', { ok: false, detail: 'ECONNREFUSED', at: '' });
    expect(pool.get('1')).toMatchObject({ consecutiveCheckFailures: 2, consecutiveCheckPasses: 0 });
    pool.recordCheck('1', { ok: true, detail: 'HTTP 200', at: '' });
    expect(pool.get('1')).toMatchObject({ consecutiveCheckFailures: 0, consecutiveCheckPasses: 1 });
    pool.eject('1', 'test');
    pool.eject('1', 'again'); // already ejected: no second event
    expect(pool.inRotation()).toEqual([]);
    pool.restore('1');
    pool.setPhase('2', 'deleting');
    expect(pool.capacityUsed()).toBe(1);
    pool.remove('2');
    expect(events).toEqual([
      'registered:vm1',
      'registered:auto',
      'phase:vm1',
      'admitted:vm1',
      'ejected:vm1',
      'restored:vm1',
      'phase:auto',
      'removed:auto',
    ]);
    expect(() => pool.register({ id: '1', name: 'dup', role: 'clone', phase: 'booting' })).toThrow(
      'already in the pool',
    );
  });
});
