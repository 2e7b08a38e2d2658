import { SystemClock } from '../clock/clock';
import { TrafficConfig } from '../config/traffic.config';
import { CanaryRouting } from './canary-traffic-selector';
import { InstancePool } from './instance-pool';
import { createCanaryAwareSelector } from './pool.module';
import { TrafficSelector } from './traffic-selector';

describe.each(['switch', 'pool'] as const)('CanaryTrafficSelector over the %s selector', (mode) => {
  let pool: InstancePool;
  let routing: CanaryRouting;
  let selector: TrafficSelector & { onModuleInit(): void; onModuleDestroy(): void };

  beforeEach(() => {
    pool = new InstancePool(new SystemClock());
    routing = new CanaryRouting(pool);
    selector = createCanaryAwareSelector(
      Object.assign(new TrafficConfig(), { mode }),
      pool,
      routing,
    ) as typeof selector;
    selector.onModuleInit();
    for (const id of ['old1', 'old2', 'canary']) {
      pool.register({
        id,
        name: id,
        role: id === 'old1' ? 'original' : 'clone',
        phase: 'health-checking',
        backend: { id, host: '127.0.10.1', port: 5000 },
      });
      pool.admit(id);
    }
  });
  afterEach(() => selector.onModuleDestroy());

  function share(requests: number): Record<string, number> {
    const counts: Record<string, number> = {};
    for (let n = 0; n < requests; n++) {
      const id = selector.pick()?.id ?? 'none';
      counts[id] = (counts[id] ?? 0) + 1;
    }
    return counts;
  }

  it('gives the canary exactly its weight of the requests, the rest to the old instances', () => {
    routing.set('canary', 0.1);
    const counts = share(1000);
    expect(counts.canary).toBe(100);
    expect((counts.old1 ?? 0) + (counts.old2 ?? 0)).toBe(900);
    if (mode === 'switch') expect(counts.old2).toBe(900); // the newest other admitted instance, as switch mode would
    expect(
      selector
        .serving()
        .map((instance) => instance.id)
        .sort(),
    ).toEqual(mode === 'switch' ? ['canary', 'old2'] : ['canary', 'old1', 'old2']);
  });

  it('sends nothing to an ejected canary, and everything to a passed one as the mode would', () => {
    routing.set('canary', 0.5);
    pool.eject('canary', 'failed health checks');
    expect(share(100).canary).toBeUndefined();
    pool.restore('canary');
    routing.clear();
    const counts = share(300);
    if (mode === 'switch')
      expect(counts).toEqual({ old2: 300 }); // switch mode fell back when it was ejected and does not flap back
    else expect(counts.canary).toBe(100);
  });

  it('holds the canary out of traffic at weight 0 (a paused refresh)', () => {
    routing.set('canary', 0);
    expect(share(100).canary).toBeUndefined();
  });

  it('lets the canary serve rather than answer 503 when nothing else can', () => {
    routing.set('canary', 0.1);
    pool.eject('old1', 'down');
    pool.eject('old2', 'down');
    expect(share(10)).toEqual({ canary: 10 });
  });
});
