import { SystemClock } from '../clock/clock';
import { InstancePool } from './instance-pool';
import { SwitchTrafficSelector } from './traffic-selector';

describe('SwitchTrafficSelector (seed: all traffic to the newest admitted instance)', () => {
  let pool: InstancePool;
  let selector: SwitchTrafficSelector;

  beforeEach(() => {
    pool = new InstancePool(new SystemClock());
    selector = new SwitchTrafficSelector(pool);
    selector.onModuleInit();
  });
  afterEach(() => selector.onModuleDestroy());

  function addAdmitted(id: string, host: string, role: 'original' | 'clone' = 'clone'): void {
    pool.register({
      id,
      name: `name-${id}`,
      role,
      phase: 'health-checking',
      backend: { id, host, port: 5000 },
    });
    pool.admit(id);
  }

  it('serves nothing until an instance is admitted, then the newest admitted one', () => {
    expect(selector.pick()).toBeUndefined();
    pool.register({ id: 'b', name: 'booting', role: 'clone', phase: 'booting' });
    expect(selector.pick()).toBeUndefined();
    addAdmitted('vm1', '127.0.10.1', 'original');
    expect(selector.pick()?.id).toBe('vm1');
    addAdmitted('vm2', '127.0.10.2');
    expect(selector.pick()?.id).toBe('vm2');
    expect(selector.serving().map((instance) => instance.id)).toEqual(['vm2']);
  });

  it('falls back to the newest other healthy instance when the active one is ejected, and does not flap back', () => {
    addAdmitted('vm1', '127.0.10.1', 'original');
    addAdmitted('vm2', '127.0.10.2');
    pool.eject('vm2', 'failed 3 health checks');
    expect(selector.pick()?.id).toBe('vm1');
    pool.restore('vm2');
    expect(selector.pick()?.id).toBe('vm1');
  });

  it('has nothing to serve when the only instance is ejected, and takes it back once healthy again', () => {
    addAdmitted('vm1', '127.0.10.1', 'original');
    pool.eject('vm1', 'down');
    expect(selector.pick()).toBeUndefined();
    pool.restore('vm1');
    expect(selector.pick()?.id).toBe('vm1');
  });

  it('offers a different healthy instance as the alternative for one retry', () => {
    addAdmitted('vm1', '127.0.10.1', 'original');
    expect(selector.alternative('vm1')).toBeUndefined();
    addAdmitted('vm2', '127.0.10.2');
    expect(selector.alternative('vm2')?.id).toBe('vm1');
    pool.remove('vm1');
    expect(selector.alternative('vm2')).toBeUndefined();
  });
});
