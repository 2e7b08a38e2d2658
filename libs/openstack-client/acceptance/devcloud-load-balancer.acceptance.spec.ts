/**
 * Acceptance, Octavia: a load balancer with a listener and a pool on the project's loopback
 * subnet, a real backend (an HTTP server of this test) behind it reached through the VIP, batch
 * member update, a member drained (weight 0) and deleted, stats and the status tree, Octavia's
 * 409 "immutable" while PENDING_UPDATE, and a cascade delete that takes the VIP port with it.
 * Skips without a cloud, and (saying so) when the catalog has no load-balancer endpoint.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  EndpointNotFoundError,
  ImmutableResourceError,
  NotFoundError,
  OpenStackClient,
} from '../src';
import {
  AcceptanceCleanup,
  acceptanceSettings,
  assertLoopback,
  clientFromEnvironment,
  describeWithCloud,
  httpGet,
  runTag,
  waitOptions,
} from './devcloud-acceptance-support';

/** Our own backend on a loopback address of its own; answers with its name. */
async function startBackend(host: string, name: string): Promise<http.Server> {
  const server = http.createServer((_req, res) => res.end(`hello from ${name}`));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  return server;
}

describeWithCloud('openstack-client acceptance: Octavia load balancers (real cloud)', () => {
  jest.setTimeout(120_000);
  const tag = runTag();
  const cleanup = new AcceptanceCleanup();
  const backends: http.Server[] = [];
  let client: OpenStackClient;
  let octaviaMissing: string | undefined;
  let subnetId: string;

  beforeAll(async () => {
    client = clientFromEnvironment();
    try {
      await client.session.endpointFor('load-balancer');
    } catch (err) {
      if (!(err instanceof EndpointNotFoundError)) throw err;
      octaviaMissing =
        'the catalog has no load-balancer endpoint (start Octavia: ../shared/devcloud/octavia/octavia.sh up)';
      process.stderr.write(`[acceptance] SKIPPED Octavia suite: ${octaviaMissing}\n`);
      return;
    }
    const network = await client.network.networks.find(acceptanceSettings.network);
    const subnet = (
      await client.network.subnets.list({ networkId: network.id, ipVersion: 4 }).toArray()
    )[0];
    if (!subnet) throw new Error(`network ${network.name} has no IPv4 subnet for the VIP`);
    assertLoopback(subnet.cidr.split('/')[0], `subnet ${subnet.name}`);
    subnetId = subnet.id;
  });
  afterAll(async () => {
    try {
      await cleanup.runAll();
    } finally {
      for (const b of backends) b.close();
      client.close();
    }
  });

  it('serves through the VIP, updates members in batches, drains, reports stats and deletes everything', async () => {
    if (octaviaMissing) return;
    const lbs = client.loadBalancer;
    const lb = await lbs.loadBalancers.create({ name: `${tag}-lb`, vipSubnetId: subnetId });
    cleanup.add(`delete load balancer ${lb.id}`, async () => {
      await lbs.loadBalancers.delete(lb.id, { cascade: true });
      await lbs.loadBalancers.waitForDeleted(
        lb.id,
        waitOptions(`load balancer ${lb.id} deleting`, 60_000),
      );
    });
    expect(lb.provisioningStatus).toBe('PENDING_CREATE');
    const active = () =>
      lbs.loadBalancers.waitForStatus(lb.id, {
        target: 'ACTIVE',
        ...waitOptions(`load balancer ${lb.id}`, 60_000),
        intervalMs: 200,
      });
    const ready = await active();
    assertLoopback(ready.vipAddress, 'VIP');

    const listener = await lbs.listeners.create({
      loadBalancerId: lb.id,
      protocol: 'HTTP',
      protocolPort: 8000,
      name: `${tag}-http`,
    });
    const pool = await lbs.pools.create({
      listenerId: listener.id,
      protocol: 'HTTP',
      lbAlgorithm: 'ROUND_ROBIN',
      name: `${tag}-pool`,
    });
    await active();

    const a = await startBackend('127.77.19.1', 'a');
    const b = await startBackend('127.77.19.2', 'b');
    backends.push(a, b);
    const portOf = (s: http.Server): number => (s.address() as AddressInfo).port;
    await lbs.members.batchUpdate(pool.id, [
      { address: '127.77.19.1', protocolPort: portOf(a), name: `${tag}-a` },
      { address: '127.77.19.2', protocolPort: portOf(b), name: `${tag}-b` },
    ]);
    // While that change is applied the load balancer is PENDING_UPDATE: Octavia refuses more.
    await expect(
      lbs.members.create(pool.id, {
        address: '127.77.19.3',
        protocolPort: 5000,
        immutableRetries: 0,
      }),
    ).rejects.toBeInstanceOf(ImmutableResourceError);
    await active();
    const members = await lbs.members.list(pool.id).toArray();
    expect(members.map((m) => m.address).sort()).toEqual(['127.77.19.1', '127.77.19.2']);

    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) seen.add((await httpGet(ready.vipAddress, 8000, '/')).body);
    expect([...seen].sort()).toEqual(['hello from a', 'hello from b']);

    // Drain b: weight 0 (no new connections), then remove it.
    const memberB = members.find((m) => m.address === '127.77.19.2');
    if (!memberB) throw new Error('member b missing');
    expect((await lbs.members.update(pool.id, memberB.id, { weight: 0 })).weight).toBe(0);
    await active();
    for (let i = 0; i < 4; i++)
      expect((await httpGet(ready.vipAddress, 8000, '/')).body).toBe('hello from a');
    await lbs.members.delete(pool.id, memberB.id);
    await lbs.members.waitForDeleted(pool.id, memberB.id, waitOptions('member b deleting', 30_000));
    await active();

    const stats = await lbs.loadBalancers.stats(lb.id);
    expect(stats.totalConnections).toBeGreaterThanOrEqual(0);
    expect(await lbs.listeners.stats(listener.id)).toEqual(
      expect.objectContaining({ requestErrors: expect.any(Number) }),
    );
    const tree = await lbs.loadBalancers.statusTree(lb.id);
    expect(tree.listeners[0].pools[0].members.map((m) => m.address)).toEqual(['127.77.19.1']);

    await lbs.loadBalancers.delete(lb.id, { cascade: true });
    await lbs.loadBalancers.waitForDeleted(
      lb.id,
      waitOptions(`load balancer ${lb.id} deleting`, 60_000),
    );
    await expect(lbs.loadBalancers.get(lb.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(client.network.ports.get(ready.vipPortId)).rejects.toBeInstanceOf(NotFoundError);
  });
});
