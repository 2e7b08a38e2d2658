import { FakeOpenStack } from '@osa/openstack-testkit';
import { OpenStackClient } from '../client';
import {
  ConflictError,
  ImmutableResourceError,
  InvalidArgumentError,
  NotFoundError,
  ResourceFailedError,
  WaitAbortedError,
  errorFromResponse,
} from '../common/errors';
import { WireReader } from '../common/wire';
import {
  immutableErrorBody,
  loadBalancerCreateResponse,
  loadBalancerStatsResponse,
  memberCreateResponse,
  statusTreeResponse,
} from './__fixtures__/octavia-samples.v2.fixture';
import { parseLoadBalancer, parseStats, parseStatusTree } from './load-balancers/results';
import { parseMember } from './members/results';

const wire = new WireReader({ service: 'load-balancer', method: 'GET', url: 'u', status: 200 });

describe('loadBalancer: reading the api-ref shapes', () => {
  it('reads a load balancer, a member, stats and the status tree', () => {
    const lb = parseLoadBalancer(wire, loadBalancerCreateResponse.loadbalancer, 'loadbalancer');
    expect(lb).toMatchObject({
      name: 'web-lb',
      provisioningStatus: 'PENDING_CREATE',
      operatingStatus: 'OFFLINE',
      vipAddress: '203.0.113.50',
      tags: ['osa-group'],
      listenerIds: [],
    });
    expect(parseMember(wire, memberCreateResponse.member, 'member')).toMatchObject({
      address: '192.0.2.16',
      protocolPort: 80,
      weight: 20,
      monitorPort: 8080,
      monitorAddress: undefined,
    });
    expect(parseStats(wire, loadBalancerStatsResponse)).toEqual({
      activeConnections: 97258,
      totalConnections: 52378345,
      bytesIn: 131342840,
      bytesOut: 1549542372,
      requestErrors: 0,
    });
    const tree = parseStatusTree(wire, statusTreeResponse);
    expect(tree.listeners[0].pools[0].members[0]).toMatchObject({
      address: '192.0.2.20',
      operatingStatus: 'ERROR',
    });
    expect(tree.listeners[0].pools[0].healthMonitor?.type).toBe('HTTP');
    expect(tree.pools[0].healthMonitor).toBeUndefined(); // `{}` = no monitor
  });

  it('names the missing field of a malformed body', () => {
    expect(() => parseStats(wire, { stats: { bytes_in: 1 } })).toThrow(
      /stats.active_connections should be a number/,
    );
  });

  it("maps Octavia's 409 'immutable' to ImmutableResourceError (a ConflictError) with its message", () => {
    const error = errorFromResponse({
      service: 'load-balancer',
      method: 'POST',
      url: 'http://127.0.0.1:9876/v2/lbaas/listeners',
      status: 409,
      body: JSON.stringify(immutableErrorBody),
      contentType: 'application/json',
    });
    expect(error).toBeInstanceOf(ImmutableResourceError);
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.serverMessage).toMatch(/is immutable and cannot be updated/);
    expect(error.errorType).toBe('Client');
    const other = errorFromResponse({
      service: 'load-balancer',
      method: 'POST',
      url: 'u',
      status: 409,
      body: JSON.stringify({
        faultcode: 'Client',
        faultstring: 'Another Listener ...',
        debuginfo: null,
      }),
    });
    expect(other).not.toBeInstanceOf(ImmutableResourceError);
  });
});

describe('loadBalancer against the fake Octavia', () => {
  let cloud: FakeOpenStack;
  let os: OpenStackClient;
  let subnetId: string;
  beforeEach(async () => {
    cloud = await FakeOpenStack.start({ profile: 'devcloud' });
    cloud.setOctaviaBehaviour({ provisioningDelayMs: 40 });
    os = OpenStackClient.fromEnvironment({ env: cloud.openrcEnv() });
    subnetId = [...cloud.state.subnets.values()][0].id;
  });
  afterEach(async () => {
    os.close();
    await cloud.stop();
  });

  const wait = { timeoutMs: 5_000, intervalMs: 10, maxIntervalMs: 20 };

  async function activeLoadBalancer(): Promise<string> {
    const lb = await os.loadBalancer.loadBalancers.create({
      name: 'web-lb',
      vipSubnetId: subnetId,
    });
    expect(lb.provisioningStatus).toBe('PENDING_CREATE');
    const active = await os.loadBalancer.loadBalancers.waitForStatus(lb.id, {
      target: 'ACTIVE',
      ...wait,
    });
    expect(active.vipAddress).toMatch(/^127\.200\.0\./);
    return lb.id;
  }

  /** Polls `check` every 10 ms for at most 5 s. */
  async function until(check: () => boolean): Promise<void> {
    for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
    if (!check()) throw new Error('condition never held');
  }

  /**
   * An ACTIVE load balancer with a listener and its pool; the pool is sent while the load
   * balancer is held PENDING_UPDATE (409), and created once it is released.
   */
  async function loadBalancerWithPool() {
    const lbId = await activeLoadBalancer();
    cloud.setOctaviaBehaviour({ provisioningDelayMs: 60_000 });
    const listener = await os.loadBalancer.listeners.create({
      loadBalancerId: lbId,
      protocol: 'HTTP',
      protocolPort: 8000,
    });
    const creatingPool = os.loadBalancer.pools.create({
      listenerId: listener.id,
      protocol: 'HTTP',
      lbAlgorithm: 'ROUND_ROBIN',
    });
    const poolPosts = () => cloud.callsTo('load-balancer', 'POST', /\/lbaas\/pools$/);
    await until(() => poolPosts().some((c) => c.status === 409));
    cloud.setOctaviaBehaviour({ provisioningDelayMs: 40 });
    return { lbId, listener, pool: await creatingPool };
  }

  it('builds a load balancer, listener, pool and monitor, resending changes refused while PENDING_*', async () => {
    const { lbId, listener, pool } = await loadBalancerWithPool();
    const refused = cloud
      .callsTo('load-balancer', 'POST', /\/lbaas\/pools$/)
      .filter((c) => c.status === 409);
    expect(refused.length).toBeGreaterThan(0);
    expect(cloud.callsTo('load-balancer', 'POST', /\/lbaas\/pools$/).at(-1)?.status).toBe(201);
    const monitor = await os.loadBalancer.healthMonitors.create({
      poolId: pool.id,
      type: 'HTTP',
      delaySeconds: 1,
      timeoutSeconds: 1,
      maxRetries: 1,
      urlPath: '/',
    });
    await os.loadBalancer.loadBalancers.waitForStatus(lbId, { target: 'ACTIVE', ...wait });
    expect((await os.loadBalancer.pools.get(pool.id)).healthMonitorId).toBe(monitor.id);
    expect((await os.loadBalancer.listeners.get(listener.id)).defaultPoolId).toBe(pool.id);
    expect(
      (await os.loadBalancer.listeners.list({ loadBalancerId: lbId }).toArray()).map((l) => l.id),
    ).toEqual([listener.id]);
  });

  it('gives up with ImmutableResourceError when told not to resend', async () => {
    cloud.setOctaviaBehaviour({ provisioningDelayMs: 60_000 }); // held PENDING_CREATE
    const lb = await os.loadBalancer.loadBalancers.create({
      name: 'web-lb',
      vipSubnetId: subnetId,
    });
    await expect(
      os.loadBalancer.listeners.create({
        loadBalancerId: lb.id,
        protocol: 'HTTP',
        protocolPort: 8000,
        immutableRetries: 0,
      }),
    ).rejects.toBeInstanceOf(ImmutableResourceError);
    await expect(
      os.loadBalancer.listeners.create({
        loadBalancerId: lb.id,
        protocol: 'HTTP',
        protocolPort: 8000,
        immutableRetries: -1,
      }),
    ).rejects.toThrow(/^immutableRetries: -1 is not allowed/);
  });

  it('batch-updates members: one PUT adds, re-weights and removes, matched by address and port', async () => {
    const { lbId, pool } = await loadBalancerWithPool();
    await os.loadBalancer.loadBalancers.waitForStatus(lbId, { target: 'ACTIVE', ...wait });
    const members = os.loadBalancer.members;
    await members.batchUpdate(pool.id, [
      { address: '127.200.0.20', protocolPort: 5000 },
      { address: '127.200.0.21', protocolPort: 5000 },
    ]);
    await os.loadBalancer.loadBalancers.waitForStatus(lbId, { target: 'ACTIVE', ...wait });
    const first = await members.list(pool.id).toArray();
    expect(first.map((m) => m.address).sort()).toEqual(['127.200.0.20', '127.200.0.21']);
    await members.batchUpdate(pool.id, [
      { address: '127.200.0.21', protocolPort: 5000, weight: 0 },
      { address: '127.200.0.22', protocolPort: 5000 },
    ]);
    await os.loadBalancer.loadBalancers.waitForStatus(lbId, { target: 'ACTIVE', ...wait });
    const second = await members.list(pool.id).toArray();
    expect(second.map((m) => [m.address, m.weight]).sort()).toEqual([
      ['127.200.0.21', 0],
      ['127.200.0.22', 1],
    ]);
    // The kept member is the same object (matched, not recreated).
    expect(second.find((m) => m.address === '127.200.0.21')?.id).toBe(
      first.find((m) => m.address === '127.200.0.21')?.id,
    );
    expect(cloud.callsTo('load-balancer', 'PUT', /\/members$/).map((c) => c.status)).toEqual([
      202, 202,
    ]);
    await expect(
      members.batchUpdate(pool.id, [
        { address: '127.200.0.9', protocolPort: 5000 },
        { address: '127.200.0.9', protocolPort: 5000 },
      ]),
    ).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it('updates and deletes one member, waits for DELETED, and reads stats and the status tree', async () => {
    const { lbId, listener, pool } = await loadBalancerWithPool();
    const member = await os.loadBalancer.members.create(pool.id, {
      address: '127.200.0.30',
      protocolPort: 5000,
    });
    await os.loadBalancer.members.waitForStatus(pool.id, member.id, { target: 'ACTIVE', ...wait });
    const drained = await os.loadBalancer.members.update(pool.id, member.id, { weight: 0 });
    expect(drained.weight).toBe(0);
    cloud.addListenerTraffic(listener.id, {
      totalConnections: 7,
      activeConnections: 2,
      bytesIn: 100,
    });
    expect(await os.loadBalancer.listeners.stats(listener.id)).toMatchObject({
      totalConnections: 7,
      activeConnections: 2,
    });
    expect(await os.loadBalancer.loadBalancers.stats(lbId)).toMatchObject({
      totalConnections: 7,
      bytesIn: 100,
    });
    await os.loadBalancer.members.delete(pool.id, member.id);
    await os.loadBalancer.members.waitForDeleted(pool.id, member.id, wait);
    expect(await os.loadBalancer.members.find(pool.id, member.id)).toBeUndefined();
    const tree = await os.loadBalancer.loadBalancers.statusTree(lbId);
    expect(tree.listeners[0].pools[0]).toMatchObject({ id: pool.id, members: [] });
    expect(await os.loadBalancer.members.delete(pool.id, member.id)).toBe(false); // already gone
  });

  it('fails a wait at once on ERROR, and stops it on abort', async () => {
    const lb = { id: await activeLoadBalancer() };
    const record = cloud.state.loadBalancers.get(lb.id);
    if (!record) throw new Error('the fake lost the load balancer');
    record.provisioningStatus = 'ERROR';
    await expect(
      os.loadBalancer.loadBalancers.waitForStatus(lb.id, { target: 'ACTIVE', ...wait }),
    ).rejects.toBeInstanceOf(ResourceFailedError);
    record.provisioningStatus = 'PENDING_UPDATE';
    const controller = new AbortController();
    const waiting = os.loadBalancer.loadBalancers.waitForStatus(lb.id, {
      target: 'ACTIVE',
      ...wait,
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 50);
    await expect(waiting).rejects.toBeInstanceOf(WaitAbortedError);
    // Aborting a change that is being resent while immutable ends it too.
    const aborted = new AbortController();
    const creating = os.loadBalancer.listeners.create({
      loadBalancerId: lb.id,
      protocol: 'HTTP',
      protocolPort: 8000,
      signal: aborted.signal,
    });
    setTimeout(() => aborted.abort(), 100);
    await expect(creating).rejects.toThrow(/aborted/);
  });

  it('deletes with cascade (the VIP port goes too) and waits until it is gone', async () => {
    const lbId = await activeLoadBalancer();
    const vipPort = (await os.loadBalancer.loadBalancers.get(lbId)).vipPortId;
    expect(cloud.state.ports.get(vipPort)?.deviceOwner).toBe('Octavia');
    await os.loadBalancer.listeners.create({
      loadBalancerId: lbId,
      protocol: 'HTTP',
      protocolPort: 8000,
    });
    await os.loadBalancer.loadBalancers.waitForStatus(lbId, { target: 'ACTIVE', ...wait });
    await expect(os.loadBalancer.loadBalancers.delete(lbId)).rejects.toThrow(/it has children/);
    expect(await os.loadBalancer.loadBalancers.findByName('web-lb')).toMatchObject({ id: lbId });
    await os.loadBalancer.loadBalancers.delete(lbId, { cascade: true });
    await os.loadBalancer.loadBalancers.waitForDeleted(lbId, wait);
    await expect(os.loadBalancer.loadBalancers.get(lbId)).rejects.toBeInstanceOf(NotFoundError);
    expect(cloud.state.ports.has(vipPort)).toBe(false);
    expect(cloud.state.listeners.size).toBe(0);
  });
});
