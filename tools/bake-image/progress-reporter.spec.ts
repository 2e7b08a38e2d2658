import { ProgressReporter } from './progress-reporter';

describe('ProgressReporter', () => {
  it('prints a start and an end line per step and records its duration', async () => {
    const lines: string[] = [];
    let now = 1_000;
    const progress = new ProgressReporter(
      (l) => lines.push(l),
      10_000,
      () => now,
    );
    await progress.step('snapshot', 'golden image service-golden', async () => {
      now += 2_500;
    });
    await expect(
      progress.step('restart', 'restart service-vm-1', async () => {
        now += 1_000;
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(lines).toEqual([
      'bake-image [+   0.0s] snapshot: golden image service-golden ...',
      'bake-image [+   2.5s] snapshot: done in 2.5s',
      'bake-image [+   2.5s] restart: restart service-vm-1 ...',
      'bake-image [+   3.5s] restart: FAILED after 1.0s',
    ]);
    expect(progress.timings).toEqual([
      {
        step: 'snapshot',
        title: 'golden image service-golden',
        durationMs: 2_500,
        outcome: 'done',
      },
      { step: 'restart', title: 'restart service-vm-1', durationMs: 1_000, outcome: 'failed' },
    ]);
  });

  it('prints a wait line on every status change and a heartbeat while nothing changes', async () => {
    const lines: string[] = [];
    const progress = new ProgressReporter((l) => lines.push(l), 100);
    const ticker = progress.wait('ready', 'server s to become ACTIVE', 60_000);
    ticker.update('BUILD');
    ticker.update('BUILD');
    await new Promise((r) => setTimeout(r, 450));
    ticker.update('ACTIVE');
    ticker.stop();
    const count = lines.length;
    await new Promise((r) => setTimeout(r, 250));
    expect(lines.length).toBe(count);
    expect(lines[0]).toMatch(/ready: server s to become ACTIVE: polling \(\d+ms of 1m\)$/);
    expect(lines[1]).toMatch(/ready: server s to become ACTIVE: BUILD \(/);
    const heartbeats = lines.slice(2, -1);
    expect(heartbeats.length).toBeGreaterThanOrEqual(2);
    for (const l of heartbeats) expect(l).toMatch(/: BUILD \(/);
    expect(lines[lines.length - 1]).toMatch(/: ACTIVE \(/);
  });
});
