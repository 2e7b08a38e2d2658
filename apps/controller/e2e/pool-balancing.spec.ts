import { PoolCloud } from './support/pool-cloud';
import { ConcurrentClients, countByInstance, timedGet } from './support/traffic-load';

/**
 * `traffic.mode: pool` with three real service instances behind the built controller: every
 * admitted instance serves; least-outstanding-requests steers away from a slow instance,
 * round-robin gives each the same count whatever its speed.
 */
describe('pool mode balancing (real instances, built controller)', () => {
  jest.setTimeout(120_000);
  let pool: PoolCloud | undefined;
  afterEach(async () => {
    await pool?.close();
    pool = undefined;
  });

  /** The original is slow (150 ms per request); the two clones are fast (5 ms). */
  async function startPool(balancing: 'least-outstanding' | 'round-robin'): Promise<PoolCloud> {
    pool = await PoolCloud.start({
      serviceEnvs: [{ WORK_DELAY_MS: '150' }, { WORK_DELAY_MS: '5' }, { WORK_DELAY_MS: '5' }],
      config: {
        scaling: { thresholdRequests: 3, maxInstances: 3 },
        traffic: { mode: 'pool', duringScaleOut: 'serve', balancing },
      },
    });
    const status = await pool.growTo(3);
    expect(status.mode).toEqual({
      provider: 'openstack',
      traffic: 'pool',
      duringScaleOut: 'serve',
    });
    // The traffic: section is the one place; the old scaling.* keys would have logged a warning.
    expect(pool.controller.output).not.toMatch(/deprecated/);
    expect(
      status.instances.filter((instance) => instance.serving).map((instance) => instance.ip),
    ).toEqual([`${pool.prefix}.1`, `${pool.prefix}.2`, `${pool.prefix}.3`]);
    return pool;
  }

  async function sequential(running: PoolCloud, count: number): Promise<Record<string, number>> {
    const replies = [];
    for (let n = 0; n < count; n++)
      replies.push(await timedGet(running.proxy.host, running.proxy.port));
    expect(replies.filter((reply) => reply.status !== 200)).toEqual([]);
    return countByInstance(replies);
  }

  async function concurrent(
    running: PoolCloud,
    clients: number,
    durationMs: number,
  ): Promise<Record<string, number>> {
    const load = new ConcurrentClients(
      running.proxy.host,
      running.proxy.port,
      clients,
      durationMs + 5_000,
    );
    await new Promise((resolve) => setTimeout(resolve, durationMs));
    const replies = await load.stop();
    expect(replies.filter((reply) => reply.status !== 200)).toEqual([]);
    return countByInstance(replies);
  }

  it('least-outstanding: idle instances take turns; under concurrency the slow instance gets far fewer requests', async () => {
    const running = await startPool('least-outstanding');
    const [slow, fastA, fastB] = [running.address(1), running.address(2), running.address(3)];

    // One request at a time: every instance has 0 in flight at each choice, and ties rotate.
    const idle = await sequential(running, 30);
    console.log(`least-outstanding, 30 sequential requests: ${JSON.stringify(idle)}`);
    expect(Object.keys(idle).sort()).toEqual([slow, fastA, fastB].sort());
    for (const count of Object.values(idle)) expect(count).toBeGreaterThanOrEqual(8);

    // Six concurrent clients for 3 s: requests pile up on the slow instance, so new ones go elsewhere.
    const busy = await concurrent(running, 6, 3_000);
    const total = Object.values(busy).reduce((sum, count) => sum + count, 0);
    console.log(
      `least-outstanding, 6 concurrent clients for 3 s: ${JSON.stringify(busy)} (slow share ${(((busy[slow] ?? 0) / total) * 100).toFixed(1)}%)`,
    );
    expect(busy[fastA]).toBeGreaterThan(0);
    expect(busy[fastB]).toBeGreaterThan(0);
    // An even split would give the slow one a third; least-outstanding gives it well under a fifth.
    expect((busy[slow] ?? 0) / total).toBeLessThan(0.2);
  });

  it('round-robin: each instance gets the same number of requests, the slow one included', async () => {
    const running = await startPool('round-robin');
    const busy = await concurrent(running, 6, 3_000);
    const counts = [running.address(1), running.address(2), running.address(3)].map(
      (address) => busy[address] ?? 0,
    );
    console.log(`round-robin, 6 concurrent clients for 3 s: ${JSON.stringify(busy)}`);
    expect(Math.min(...counts)).toBeGreaterThan(10);
    // Strict turns: the counts differ by at most one (where the window cut the rotation).
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
  });
});
