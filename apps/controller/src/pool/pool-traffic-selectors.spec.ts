import { Logger } from '@nestjs/common';
import { SystemClock } from '../clock/clock';
import { InstancePool } from './instance-pool';
import { LeastOutstandingTrafficSelector } from './least-outstanding-traffic-selector';
import { RoundRobinTrafficSelector } from './round-robin-traffic-selector';
import { TrafficSelector } from './traffic-selector';

type PoolSelector = TrafficSelector & { onModuleInit(): void; onModuleDestroy(): void };

describe('pool-mode traffic selectors', () => {
  // The rotation view logs every change through Nest's static Logger; keep jest's output to the assertions.
  beforeAll(() => Logger.overrideLogger(['error']));
  afterAll(() => Logger.overrideLogger(['log', 'error', 'warn', 'debug', 'verbose', 'fatal']));

  let pool: InstancePool;
  const started: PoolSelector[] = [];
  beforeEach(() => {
    pool = new InstancePool(new SystemClock());
  });
  afterEach(() => {
    for (const selector of started.splice(0)) selector.onModuleDestroy();
  });

  function start<T extends PoolSelector>(selector: T): T {
    selector.onModuleInit();
    started.push(selector);
    return selector;
  }

  function addAdmitted(id: string): void {
    pool.register({
      id,
      name: `vm-${id}`,
      role: 'clone',
      phase: 'health-checking',
      backend: { id, host: `127.0.10.${id}`, port: 5000 },
    });
    pool.admit(id);
  }

  /** Picks `count` times, as the director would: each pick starts a request that stays in flight. */
  function pickAndHold(selector: TrafficSelector, count: number): string[] {
    const picked: string[] = [];
    for (let n = 0; n < count; n++) {
      const instance = selector.pick();
      if (!instance) throw new Error('nothing picked');
      pool.requestStarted(instance.id);
      picked.push(instance.id);
    }
    return picked;
  }

  describe('least outstanding requests', () => {
    it('takes turns while every instance is idle, and prefers the least loaded one', () => {
      const selector = start(new LeastOutstandingTrafficSelector(pool));
      expect(selector.pick()).toBeUndefined();
      addAdmitted('1');
      addAdmitted('2');
      addAdmitted('3');
      // Idle pool: ties rotate, so sequential requests (each finished before the next) spread evenly.
      const idlePicks: string[] = [];
      for (let n = 0; n < 6; n++) {
        const instance = selector.pick();
        idlePicks.push(instance?.id ?? 'none');
      }
      expect([...idlePicks].sort()).toEqual(['1', '1', '2', '2', '3', '3']);

      // Instance 1 is slow: three requests pile up on it; new ones go elsewhere until it catches up.
      for (let n = 0; n < 3; n++) pool.requestStarted('1');
      const loadedPicks = pickAndHold(selector, 4);
      expect(loadedPicks.filter((id) => id === '1')).toEqual([]);
      expect([...loadedPicks].sort()).toEqual(['2', '2', '3', '3']);
      // Now all three have 3 in flight; instance 2 finishes two: it is next, twice.
      pool.requestFinished('2');
      pool.requestFinished('2');
      expect(pickAndHold(selector, 2)).toEqual(['2', '2']);
    });

    it('only uses admitted, healthy instances, follows ejection and restoration, and serves them all', () => {
      const selector = start(new LeastOutstandingTrafficSelector(pool));
      addAdmitted('1');
      pool.register({ id: '2', name: 'booting', role: 'clone', phase: 'booting' });
      addAdmitted('3');
      expect(new Set(pickAndHold(selector, 4))).toEqual(new Set(['1', '3']));
      expect(selector.serving().map((instance) => instance.id)).toEqual(['1', '3']);
      pool.eject('3', 'test');
      expect(new Set(pickAndHold(selector, 3))).toEqual(new Set(['1']));
      pool.restore('3');
      expect(selector.pick()?.id).toBe('3'); // the least loaded again
      pool.setPhase('1', 'deleting');
      expect(selector.serving().map((instance) => instance.id)).toEqual(['3']);
      pool.remove('3');
      expect(selector.pick()).toBeUndefined();
    });

    it('offers the least loaded other instance for a retry, and nothing when the failed one is alone', () => {
      const selector = start(new LeastOutstandingTrafficSelector(pool));
      addAdmitted('1');
      expect(selector.alternative('1')).toBeUndefined();
      addAdmitted('2');
      addAdmitted('3');
      pool.requestStarted('2');
      expect(selector.alternative('1')?.id).toBe('3');
      expect(selector.alternative('3')?.id).toBe('1');
    });
  });

  describe('round robin', () => {
    it('takes turns in admission order whatever the load, and skips the failed instance for a retry', () => {
      const selector = start(new RoundRobinTrafficSelector(pool));
      expect(selector.pick()).toBeUndefined();
      addAdmitted('1');
      addAdmitted('2');
      addAdmitted('3');
      for (let n = 0; n < 5; n++) pool.requestStarted('1'); // load does not matter
      expect(pickAndHold(selector, 6)).toEqual(['1', '2', '3', '1', '2', '3']);
      expect(selector.alternative('1')?.id).toBe('2');
      pool.eject('2', 'test');
      expect(pickAndHold(selector, 4)).toEqual(['1', '3', '1', '3']);
      expect(selector.alternative('3')?.id).toBe('1');
      pool.remove('1');
      expect(selector.alternative('3')).toBeUndefined();
      expect(selector.serving().map((instance) => instance.id)).toEqual(['3']);
    });
  });
});
