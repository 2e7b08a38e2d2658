import { FakeOpenStack } from '../fake-openstack';
import { login, wire, type Json } from '../../test-support/wire-client';

describe('fake Octavia v2 (wire)', () => {
  let cloud: FakeOpenStack;
  let token: string;
  let lbaas: (
    path: string,
    method?: string,
    body?: unknown,
  ) => Promise<{ status: number; json: Json; text: string }>;
  beforeEach(async () => {
    cloud = await FakeOpenStack.start({ profile: 'devcloud' });
    cloud.setOctaviaBehaviour({ provisioningDelayMs: 30 });
    token = await login(cloud);
    lbaas = (path, method = 'GET', body) =>
      wire(`${cloud.endpoints['load-balancer']}/v2/lbaas${path}`, { token, method, body });
  });
  afterEach(() => cloud.stop());

  const until = async (check: () => Promise<boolean>): Promise<void> => {
    for (let i = 0; i < 200; i++) {
      if (await check()) return;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error('condition never held');
  };

  /** A new load balancer once it is ACTIVE, and the check for "ACTIVE again". */
  async function activeLoadBalancer(): Promise<{ lb: Json; active: () => Promise<boolean> }> {
    const subnet = [...cloud.state.subnets.values()][0];
    const lb = (
      await lbaas('/loadbalancers', 'POST', {
        loadbalancer: { name: 'lb', vip_subnet_id: subnet.id },
      })
    ).json.loadbalancer;
    const active = async () =>
      (await lbaas(`/loadbalancers/${lb.id}`)).json.loadbalancer.provisioning_status === 'ACTIVE';
    await until(active);
    return { lb, active };
  }

  it('is in the catalog as load-balancer and answers its version document without a token', async () => {
    const root = await wire(`${cloud.endpoints['load-balancer']}/`);
    expect(root.status).toBe(200);
    expect(root.json.versions.at(-1)).toMatchObject({ id: 'v2.26', status: 'CURRENT' });
    const anonymous = await wire(`${cloud.endpoints['load-balancer']}/v2/lbaas/loadbalancers`);
    expect(anonymous.status).toBe(401);
  });

  it('walks PENDING_CREATE -> ACTIVE and refuses changes meanwhile with the devcloud 409 body', async () => {
    const subnet = [...cloud.state.subnets.values()][0];
    cloud.setOctaviaBehaviour({ provisioningDelayMs: 60_000 }); // held PENDING_CREATE
    const created = await lbaas('/loadbalancers', 'POST', {
      loadbalancer: { name: 'lb1', vip_subnet_id: subnet.id },
    });
    expect(created.status).toBe(201);
    const lb = created.json.loadbalancer;
    expect(lb).toMatchObject({
      provisioning_status: 'PENDING_CREATE',
      operating_status: 'OFFLINE',
      tenant_id: lb.project_id,
    });
    const refused = await lbaas('/listeners', 'POST', {
      listener: { loadbalancer_id: lb.id, protocol: 'HTTP', protocol_port: 8000 },
    });
    expect(refused.status).toBe(409);
    expect(refused.json).toEqual({
      faultcode: 'Client',
      faultstring: `Load Balancer ${lb.id} is immutable and cannot be updated.`,
      debuginfo: null,
    });
    cloud.setOctaviaBehaviour({ provisioningDelayMs: 0 }); // released
    await until(
      async () =>
        (await lbaas(`/loadbalancers/${lb.id}`)).json.loadbalancer.provisioning_status === 'ACTIVE',
    );
    const vipPort = cloud.state.ports.get(lb.vip_port_id);
    expect(vipPort).toMatchObject({ name: `octavia-lb-${lb.id}`, deviceOwner: 'Octavia' });
    const missing = await lbaas('/loadbalancers/nonexist');
    expect(missing.status).toBe(404);
    expect(missing.json.faultstring).toBe('Load Balancer nonexist not found.');
  });

  it('batch member update answers 202 with no body and applies the desired set after the delay', async () => {
    const { lb, active } = await activeLoadBalancer();
    const listener = (
      await lbaas('/listeners', 'POST', {
        listener: { loadbalancer_id: lb.id, protocol: 'HTTP', protocol_port: 80 },
      })
    ).json.listener;
    await until(active);
    const pool = (
      await lbaas('/pools', 'POST', {
        pool: { listener_id: listener.id, protocol: 'HTTP', lb_algorithm: 'ROUND_ROBIN' },
      })
    ).json.pool;
    await until(active);
    cloud.setOctaviaBehaviour({ provisioningDelayMs: 60_000 }); // held, to see PENDING_CREATE
    const put = await lbaas(`/pools/${pool.id}/members`, 'PUT', {
      members: [{ address: '127.200.0.50', protocol_port: 5000 }],
    });
    expect(put.status).toBe(202);
    expect(put.text).toBe('');
    const pending = (await lbaas(`/pools/${pool.id}/members`)).json;
    expect(pending.members).toEqual([
      expect.objectContaining({
        provisioning_status: 'PENDING_CREATE',
        operating_status: 'NO_MONITOR',
      }),
    ]);
    expect(pending.members_links).toEqual([]);
    cloud.setOctaviaBehaviour({ provisioningDelayMs: 0 });
    await until(active);
    const again = await lbaas(`/pools/${pool.id}/members`, 'PUT', { members: [] });
    expect(again.status).toBe(202);
    await until(active);
    expect((await lbaas(`/pools/${pool.id}/members`)).json.members).toEqual([]);
    const stats = await lbaas(`/loadbalancers/${lb.id}/stats`);
    expect(stats.json).toEqual({
      stats: {
        bytes_in: 0,
        bytes_out: 0,
        active_connections: 0,
        total_connections: 0,
        request_errors: 0,
      },
    });
  });

  it('validates like Octavia: weight range, timeout longer than delay', async () => {
    const { lb, active } = await activeLoadBalancer();
    const pool = (
      await lbaas('/pools', 'POST', {
        pool: { loadbalancer_id: lb.id, protocol: 'HTTP', lb_algorithm: 'ROUND_ROBIN' },
      })
    ).json.pool;
    await until(active);
    const heavy = await lbaas(`/pools/${pool.id}/members`, 'POST', {
      member: { address: '127.200.0.9', protocol_port: 5000, weight: 300 },
    });
    expect(heavy.status).toBe(400);
    expect(heavy.json.faultstring).toMatch(/weight/);
    const monitor = await lbaas('/healthmonitors', 'POST', {
      healthmonitor: { pool_id: pool.id, type: 'HTTP', delay: 1, timeout: 5, max_retries: 1 },
    });
    expect(monitor.status).toBe(400);
    expect(() => cloud.setOctaviaBehaviour({ provisioningDelayMs: -1 })).toThrow(
      /provisioningDelayMs/,
    );
  });
});
