import { OpenStackClient } from '@osa/openstack-client';
import { FakeOpenStack } from '@osa/openstack-testkit';
import { ManualClock } from '../../../test-support/manual-clock';
import { OctaviaDataPlaneConfig } from '../../config/octavia-data-plane.config';
import type { DataPlaneMember, MemberState } from '../../seams/data-plane';
import { DataPlaneConfig } from '../../config/data-plane.config';
import { OctaviaDataPlane } from './octavia-data-plane';
import { createOctaviaDataPlane } from './octavia-data-plane.provider';
import { LeadershipConfig } from '../../config/leadership.config';
import { ProviderConfig } from '../../config/provider.config';
import { LeaderElection } from '../../leadership/leader-election.service';
import type { Leadership } from '../../seams/leadership';

const member = (n: number, state: MemberState = 'ready'): DataPlaneMember => ({
  backend: { id: `server-${n}`, host: `127.200.0.${10 + n}`, port: 5000 },
  state,
  weight: 100,
});

describe('OctaviaDataPlane (dataPlane.kind octavia) on the fake Octavia', () => {
  let cloud: FakeOpenStack;
  let client: OpenStackClient;
  let clock: ManualClock;
  const planes: OctaviaDataPlane[] = [];

  beforeEach(async () => {
    cloud = await FakeOpenStack.start({ profile: 'devcloud' });
    cloud.setOctaviaBehaviour({ provisioningDelayMs: 30 });
    client = OpenStackClient.fromEnvironment({ env: cloud.openrcEnv() });
    clock = new ManualClock();
  });
  afterEach(async () => {
    for (const plane of planes.splice(0)) await plane.stop();
    client.close();
    await cloud.stop();
  });

  function plane(
    overrides: Partial<OctaviaDataPlaneConfig> = {},
    leadership?: Leadership,
  ): OctaviaDataPlane {
    const config = Object.assign(
      new OctaviaDataPlaneConfig(),
      { vipSubnet: 'test-subnet', drainGraceMs: 5_000, statsIntervalMs: 1_000 },
      overrides,
    );
    const created = new OctaviaDataPlane({ config, client, clock, leadership });
    planes.push(created);
    return created;
  }

  const membersNow = () =>
    [...cloud.state.members.values()]
      .map((m) => ({ name: m.name, address: m.address, weight: m.weight, up: m.adminStateUp }))
      .sort((a, b) => a.address.localeCompare(b.address));
  const batchCalls = () => cloud.callsTo('load-balancer', 'PUT', /\/members$/);

  it('creates the load balancer, listener and pool once, and a restarted controller adopts them by name', async () => {
    const first = plane();
    await first.start();
    expect(first.status()).toMatchObject({ kind: 'octavia', state: 'running' });
    expect(first.vip).toEqual({ address: expect.stringMatching(/^127\.200\.0\./), port: 8000 });
    const again = plane();
    await again.start();
    expect(again.ids).toEqual(first.ids);
    expect(cloud.state.loadBalancers.size).toBe(1);
    expect(cloud.state.listeners.size).toBe(1);
    expect(cloud.state.pools.size).toBe(1);
    expect(cloud.callsTo('load-balancer', 'POST', /loadbalancers$/)).toHaveLength(1);
  });

  it('keeps a standby off Octavia: no create at start, no member update, even when asked', async () => {
    // A real election that has not won the lease (never bootstrapped): isLeader() is false.
    const standby = new LeaderElection(
      Object.assign(new LeadershipConfig(), { enabled: true, holderId: 'ctl-b' }),
      new ProviderConfig(),
      client,
      clock,
    );
    await expect(plane({}, standby).start()).rejects.toThrow(
      'create load balancer osa-service-lb refused: this controller (ctl-b) is standby, not the leader',
    );
    expect(cloud.callsTo('load-balancer', 'POST')).toEqual([]);

    const leader = plane();
    await leader.start();
    await leader.applyMembers([member(1)]);
    const follower = plane({}, standby);
    await follower.start(); // adopting what exists only reads
    await expect(follower.applyMembers([member(2)])).rejects.toThrow(
      /update the members of pool .* refused: this controller \(ctl-b\) is standby/,
    );
    expect(batchCalls()).toHaveLength(1);
    expect(membersNow()).toEqual([
      { name: 'osa:server-1', address: '127.200.0.11', weight: 100, up: true },
    ]);
  });

  it('needs the openstack provider (its client and credentials)', () => {
    expect(() => createOctaviaDataPlane(new DataPlaneConfig(), clock, undefined)).toThrow(
      /dataPlane.kind octavia needs provider.kind openstack/,
    );
    expect(createOctaviaDataPlane(new DataPlaneConfig(), clock, client)).toBeInstanceOf(
      OctaviaDataPlane,
    );
  });

  it('refuses to start, naming the setting, when it may not create and finds nothing', async () => {
    const adoptOnly = plane({ create: false, loadBalancerName: 'missing-lb' });
    await expect(adoptOnly.start()).rejects.toThrow(
      'dataPlane.octavia: no load balancer named missing-lb and create is false',
    );
    expect(adoptOnly.status().state).toBe('failed');
    await expect(plane({ vipSubnet: '' }).start()).rejects.toThrow(
      /dataPlane.octavia.vipSubnet: required/,
    );
  });

  it('applies ready, drain and maint as weights in one batch update each, nothing when unchanged', async () => {
    const dp = plane();
    await dp.start();
    await dp.applyMembers([member(1), member(2)]);
    expect(membersNow()).toEqual([
      { name: 'osa:server-1', address: '127.200.0.11', weight: 100, up: true },
      { name: 'osa:server-2', address: '127.200.0.12', weight: 100, up: true },
    ]);
    await dp.applyMembers([member(1), member(2)]);
    expect(batchCalls()).toHaveLength(1);
    await dp.applyMembers([member(1, 'maint'), member(2, 'drain')]);
    expect(membersNow()).toEqual([
      { name: 'osa:server-1', address: '127.200.0.11', weight: 0, up: true },
      { name: 'osa:server-2', address: '127.200.0.12', weight: 0, up: true },
    ]);
    await dp.applyMembers([member(1)]);
    expect(membersNow().map((m) => m.name)).toEqual(['osa:server-1']);
    expect(batchCalls()).toHaveLength(3);
    expect(batchCalls().every((c) => c.status === 202)).toBe(true);
  });

  it('queues changes while the load balancer is PENDING_* and sends only the latest set', async () => {
    const dp = plane();
    await dp.start();
    cloud.setOctaviaBehaviour({ provisioningDelayMs: 150 });
    // Someone else's change makes the load balancer PENDING_UPDATE first.
    await client.loadBalancer.loadBalancers.update(dp.ids.loadBalancerId, {
      description: 'touched by hand',
    });
    const applies = [
      dp.applyMembers([member(1)]),
      dp.applyMembers([member(1), member(2)]),
      dp.applyMembers([member(1), member(2), member(3)]),
    ];
    await Promise.all(applies);
    expect(membersNow().map((m) => m.name)).toEqual([
      'osa:server-1',
      'osa:server-2',
      'osa:server-3',
    ]);
    expect(batchCalls()).toHaveLength(1); // coalesced: the first two sets were never sent
    expect(cloud.callsTo('load-balancer', 'PUT').filter((c) => c.status === 409)).toHaveLength(0);
  });

  it('never touches members it did not create, and prunes its own stale ones only once a ready member is known (restart)', async () => {
    const dp = plane();
    await dp.start();
    const { poolId, loadBalancerId } = dp.ids;
    await dp.applyMembers([member(1), member(2)]);
    const foreign = await client.loadBalancer.members.create(poolId, {
      address: '127.200.0.99',
      protocolPort: 8080,
      name: 'added-by-hand',
      weight: 3,
    });
    await client.loadBalancer.loadBalancers.waitForStatus(loadBalancerId, {
      target: 'ACTIVE',
      timeoutMs: 5_000,
      intervalMs: 10,
    });
    // The controller restarts; server-2 was deleted meanwhile, server-3 is new and ready.
    await dp.stop();
    const restarted = plane();
    await restarted.start();
    await restarted.applyMembers([]); // the pool is not recovered yet: nothing is removed
    expect(membersNow().map((m) => m.name)).toEqual([
      'osa:server-1',
      'osa:server-2',
      'added-by-hand',
    ]);
    await restarted.applyMembers([member(1), member(3)]);
    expect(membersNow()).toEqual([
      { name: 'osa:server-1', address: '127.200.0.11', weight: 100, up: true },
      { name: 'osa:server-3', address: '127.200.0.13', weight: 100, up: true },
      { name: 'added-by-hand', address: '127.200.0.99', weight: 3, up: true },
    ]);
    expect(cloud.state.members.get(foreign.id)?.weight).toBe(3); // the same object, unchanged
  });

  it('keeps serving through a scale-out by default; empty-pool gives every member weight 0 until the gate opens', async () => {
    const keep = plane();
    await keep.start();
    await keep.applyMembers([member(1)]);
    await keep.setRejectWhileScaling({ retryAfterSeconds: 5, reason: 'scaling' });
    expect(membersNow()).toEqual([
      { name: 'osa:server-1', address: '127.200.0.11', weight: 100, up: true },
    ]);
    await keep.stop();
    const empty = plane({ whileScaling: 'empty-pool' });
    await empty.start();
    await empty.applyMembers([member(1)]);
    await empty.setRejectWhileScaling({ retryAfterSeconds: 5, reason: 'scaling' });
    expect(membersNow()[0]).toMatchObject({ weight: 0, up: true });
    await empty.setRejectWhileScaling(undefined);
    expect(membersNow()[0]).toMatchObject({ weight: 100, up: true });
  });

  it('reads connections as the forwarded count, starts a new epoch when they restart, and bounds a drain', async () => {
    const dp = plane();
    await dp.start();
    await dp.applyMembers([member(1), member(2)]);
    cloud.addListenerTraffic(dp.ids.listenerId, { totalConnections: 10, activeConnections: 4 });
    const first = await dp.readCounters();
    expect(first).toMatchObject({ epoch: 1, forwardedRequests: 10, rejectedRequests: 0 });
    expect(first.members.get('server-1')).toMatchObject({ requests: 5, inFlight: 2 });
    // Statistics are read at most once per statsIntervalMs.
    cloud.addListenerTraffic(dp.ids.listenerId, { totalConnections: 5 });
    expect((await dp.readCounters()).forwardedRequests).toBe(10);
    await clock.advance(1_000);
    expect((await dp.readCounters()).forwardedRequests).toBe(15);
    // HAProxy reloaded: the counters start again from zero.
    cloud.state.listeners.get(dp.ids.listenerId)!.stats.totalConnections = 2;
    await clock.advance(1_000);
    expect(await dp.readCounters()).toMatchObject({ epoch: 2, forwardedRequests: 2 });
    // Drain server-2 under traffic: busy until drainGraceMs passes (the listener never reads 0).
    await dp.applyMembers([member(1), member(2, 'drain')]);
    expect((await dp.readCounters()).members.get('server-2')?.inFlight).toBe(1);
    await clock.advance(4_000);
    expect((await dp.readCounters()).members.get('server-2')?.inFlight).toBe(1);
    await clock.advance(1_000);
    expect((await dp.readCounters()).members.get('server-2')?.inFlight).toBe(0);
  });

  it('does not end a drain early on a reading with no active connection (listener-wide, sampled every few seconds)', async () => {
    const dp = plane();
    await dp.start();
    await dp.applyMembers([member(1), member(2)]);
    await dp.applyMembers([member(1), member(2, 'drain')]);
    await clock.advance(1_000);
    expect(cloud.state.listeners.get(dp.ids.listenerId)?.stats.activeConnections).toBe(0);
    expect((await dp.readCounters()).members.get('server-2')?.inFlight).toBe(1);
    await clock.advance(4_000);
    expect((await dp.readCounters()).members.get('server-2')?.inFlight).toBe(0);
  });
});
