import { StatusService } from '../src/admin/status.service';
import { MetricsRegistry } from '../src/metrics/metrics-registry';
import { PlacementState } from '../src/providers/placement/placement-state';
import { FakeCloudController } from '../test-support/fake-cloud-controller';

/**
 * Placement on the whole controller (fake OpenStack with its scheduler, manual clock): the server
 * group hint and zone spread, NoValidHost for hard anti-affinity on one host held as one clear
 * line (no retry until capacity changes), and quota awareness (no create call over the quota,
 * resumed when the quota is raised).
 */
describe('placement: server groups, zones and quota (fake OpenStack)', () => {
  jest.setTimeout(120_000);
  let running: FakeCloudController | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  const serverCreates = (r: FakeCloudController) =>
    r.cloud.callsTo('compute', 'POST', /\/compute\/v2\.1\/servers$/);

  it('soft anti-affinity over two zones: one group, the group hint on every create, zones by fewest then order', async () => {
    running = await FakeCloudController.start(
      { thresholdRequests: 1000, maxInstances: 4 },
      {
        serverGroup: { name: 'web', policy: 'soft-anti-affinity' },
        availabilityZones: ['az1', 'az2'],
      },
    );
    const { scaling, cloud } = running;
    cloud.computeHosts.splice(
      0,
      cloud.computeHosts.length,
      { name: 'h1', zone: 'az1' },
      { name: 'h2', zone: 'az2' },
    );
    scaling.setDesired(4, { source: 'manual', reason: 'spec' });
    await running.until(
      () =>
        scaling.events().filter((e) => e.kind === 'scale-out' && e.state === 'admitted').length ===
        3,
    );

    const groups = [...cloud.state.serverGroups.values()];
    expect(groups).toEqual([
      expect.objectContaining({ name: 'web', policy: 'soft-anti-affinity' }),
    ]);
    const bodies = serverCreates(running).map(
      (call) =>
        call.body as {
          server: { availability_zone?: string };
          'os:scheduler_hints'?: { group: string };
        },
    );
    expect(bodies.map((b) => b['os:scheduler_hints']?.group)).toEqual([
      groups[0].id,
      groups[0].id,
      groups[0].id,
    ]);
    expect(bodies.map((b) => b.server.availability_zone)).toEqual(['az1', 'az2', 'az1']);
    // The original is not in the group: only what the controller booted.
    const original = [...cloud.state.servers.values()].find((s) => s.name === 'service-vm-1');
    expect(original?.serverGroupId ?? null).toBeNull();
    const placement = running.app.get(StatusService).snapshot().placement;
    expect(placement.zones).toEqual([
      { zone: 'az1', instances: 2 },
      { zone: 'az2', instances: 1 },
    ]);
    // Scale-in takes from the zone with the most.
    scaling.setDesired(3, { source: 'manual', reason: 'spec' });
    await running.until(
      () => running!.app.get(StatusService).snapshot().placement.zones[0].instances === 1,
    );
    expect(running.app.get(StatusService).snapshot().placement.zones).toEqual([
      { zone: 'az1', instances: 1 },
      { zone: 'az2', instances: 1 },
    ]);
  });

  it('hard anti-affinity on one host: the second clone fails with NoValidHost, said once, and is not retried until capacity changes', async () => {
    running = await FakeCloudController.start(
      { thresholdRequests: 1000, maxInstances: 3, failureBackoffInitialMs: 1_000 },
      {
        serverGroup: { name: 'web', policy: 'anti-affinity' },
        placement: { noValidHostRecheckMs: '5m' },
      },
    );
    const { scaling, clock } = running;
    scaling.setDesired(3, { source: 'manual', reason: 'spec' });
    const line =
      /no host left that satisfies anti-affinity for group web; use soft-anti-affinity or add hosts \(Nova: "No valid host was found\. There are not enough hosts available\."\)/;
    await running.until(() => running!.app.get(PlacementState).block !== undefined);
    await running.until(() => scaling.inProgress() === undefined);
    expect(serverCreates(running)).toHaveLength(2);
    const status = running.app.get(StatusService).snapshot();
    expect(status.placement.blocked).toMatchObject({
      kind: 'no-valid-host',
      message: expect.stringMatching(line),
    });
    expect(status.scaling.desiredInstances).toBe(3);
    expect(
      status.scaling.events.filter((e) => e.state === 'admitted' && e.kind === 'scale-out'),
    ).toHaveLength(1);

    // Four minutes later: still held, no further create, the line said once.
    await clock.advance(4 * 60_000);
    expect(serverCreates(running)).toHaveLength(2);
    expect(running.logger.matching(line).map((l) => l.split(' ').slice(0, 2).join(' '))).toEqual([
      'WARN [Placement]',
      'INFO [Scaling]',
    ]);
    expect(running.logger.matching(/waiting until capacity changes/)).toHaveLength(1);
    const metrics = await running.app.get(MetricsRegistry).render();
    expect(metrics).toContain('osa_scale_out_blocked{reason="no-valid-host"} 1');

    // The recheck period ends: one more try (which fails the same way on one host).
    await running.until(() => serverCreates(running!).length === 3, 120_000);
  });

  it('quota: over the instance quota no create is sent, the quota and the shortfall are named once, and it resumes when the quota is raised', async () => {
    running = await FakeCloudController.start(
      { thresholdRequests: 1000, maxInstances: 3 },
      { placement: { quotaRefreshIntervalMs: '30s' } },
    );
    const { scaling, cloud, clock } = running;
    cloud.quota.instances = 1; // the original uses it
    scaling.setDesired(2, { source: 'manual', reason: 'spec' });
    await running.until(() => running!.app.get(PlacementState).block !== undefined);
    await running.until(() => scaling.inProgress() === undefined);
    expect(serverCreates(running)).toHaveLength(0);
    const block = running.app.get(StatusService).snapshot().placement.blocked;
    expect(block).toMatchObject({ kind: 'quota', quota: { name: 'instances', over: 1 } });
    expect(block?.message).toBe(
      'quota instances: the next instance (flavor m1.small: 1 vCPU, 2048 MiB) needs 1, 1 of 1 are used: 1 over; no create call until usage or the quota changes',
    );
    const metrics = await running.app.get(MetricsRegistry).render();
    expect(metrics).toContain('osa_scale_out_blocked{reason="quota"} 1');
    expect(metrics).toContain('osa_quota_remaining{quota="instances"} 0');
    await clock.advance(90_000);
    expect(serverCreates(running)).toHaveLength(0);
    // Said once by Placement and once by the reconciler's hold; nothing repeats while it holds.
    expect(
      running.logger.matching(/WARN \[Placement\] quota instances: the next instance/),
    ).toHaveLength(1);
    expect(
      running.logger.matching(
        /\[Scaling\] 1 instance\(s\) short of the desired 2, waiting until capacity changes: quota instances/,
      ),
    ).toHaveLength(1);

    cloud.quota.instances = 5;
    await running.until(
      () => scaling.events().some((e) => e.kind === 'scale-out' && e.state === 'admitted'),
      120_000,
    );
    expect(serverCreates(running)).toHaveLength(1);
    expect(running.app.get(PlacementState).block).toBeUndefined();
    expect(running.logger.matching(/scale-outs may go on: the quota has room again/)).toHaveLength(
      1,
    );
  });

  it("a 403 quota answer from Nova is read the same way (the fake's cores quota, not yet seen in /limits)", async () => {
    running = await FakeCloudController.start({ thresholdRequests: 1000, maxInstances: 3 });
    const { scaling, cloud } = running;
    // /limits says there is room; Nova's create then refuses (a race with another client).
    cloud.inject({
      service: 'compute',
      method: 'POST',
      path: /\/servers$/,
      times: 1,
      status: 403,
      body: {
        forbidden: {
          code: 403,
          message: 'Quota exceeded for cores: Requested 1, but already used 20 of 20 cores',
        },
      },
    });
    scaling.setDesired(2, { source: 'manual', reason: 'spec' });
    await running.until(() => running!.app.get(PlacementState).block !== undefined);
    expect(running.app.get(PlacementState).block).toMatchObject({
      kind: 'quota',
      quota: { name: 'cores', over: 1 },
    });
    expect(scaling.desiredCount).toBe(2);
    // The next quota read finds room: the scale-out goes on.
    await running.until(
      () => scaling.events().some((e) => e.kind === 'scale-out' && e.state === 'admitted'),
      120_000,
    );
  });
});
