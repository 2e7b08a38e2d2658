import { FakeOpenStack } from '../index';
import {
  login,
  serverBody,
  servicesOf,
  sleep,
  wire,
  type Json,
} from '../../test-support/wire-client';

describe("FakeOpenStack.start({ profile: 'devcloud' }): the devcloud as the fake knows it", () => {
  let cloud: FakeOpenStack;
  let api: ReturnType<typeof servicesOf>;

  beforeEach(async () => {
    cloud = await FakeOpenStack.start({ profile: 'devcloud' });
    api = servicesOf(cloud, await login(cloud));
  });
  afterEach(async () => {
    await cloud.stop();
  });

  it('seeds what the devcloud seeds: a 4 KiB raw ubuntu, test-subnet 127.200.0.0/24 without DHCP, no public network', async () => {
    const images = (await api.image('/v2/images?name=ubuntu')).json.images;
    expect(images).toHaveLength(1);
    expect(images[0]).toMatchObject({
      disk_format: 'raw',
      container_format: 'bare',
      size: 4096,
      virtual_size: 4096,
      visibility: 'public',
      os_distro: 'ubuntu',
      owner: cloud.adminCredentials.projectId,
    });
    const subnets = (await api.network('/v2.0/subnets')).json.subnets;
    expect(subnets).toEqual([
      expect.objectContaining({
        name: 'test-subnet',
        cidr: '127.200.0.0/24',
        gateway_ip: '127.200.0.1',
        enable_dhcp: false,
        allocation_pools: [{ start: '127.200.0.2', end: '127.200.0.254' }],
      }),
    ]);
    expect((await api.network('/v2.0/networks')).json.networks.map((n: Json) => n.name)).toEqual([
      'test',
    ]);
    expect((await api.network('/v2.0/floatingips')).status).toBe(404);
    expect((await api.network('/v2.0/routers')).status).toBe(404);
  });

  it("has the demo project's quotas", async () => {
    const quota = (
      await api.compute(`/os-quota-sets/${cloud.credentials.projectId}`, {
        microversion: '2.79',
      })
    ).json.quota_set;
    expect(quota).toMatchObject({ instances: 50, cores: 50, ram: 100000 });
    const neutron = (await api.network(`/v2.0/quotas/${cloud.credentials.projectId}`)).json.quota;
    expect(neutron).toMatchObject({ port: 100, security_group_rule: 100 });
    expect(neutron.floatingip).toBeUndefined();
  });

  it('refuses DHCP on a loopback subnet and any subnet outside 127.0.0.0/8, in Neutron order', async () => {
    const id = (
      await api.network('/v2.0/networks', { method: 'POST', body: { network: { name: 'lab' } } })
    ).json.network.id;
    const create = (fields: Record<string, unknown>) =>
      api.network('/v2.0/subnets', {
        method: 'POST',
        body: { subnet: { network_id: id, ip_version: 4, ...fields } },
      });
    expect((await create({ cidr: '127.201.0.0/24' })).json.NeutronError).toEqual({
      type: 'InvalidInput',
      message:
        'Invalid input for operation: Loopback IP subnet is not supported if enable_dhcp is True.',
      detail: '',
    });
    // captures/neutron/12-subnet-create-outside-127.txt
    expect((await create({ cidr: '192.168.222.0/24' })).json.NeutronError.message).toBe(
      'Invalid input for operation: devcloud: only subnets inside 127.0.0.0/8 are allowed, so every server address is reachable on loopback (got 192.168.222.0/24).',
    );
    const ok = await create({ cidr: '127.201.0.0/24', enable_dhcp: false });
    expect(ok.status).toBe(201);
  });

  it('shows every server phase the devcloud shows: BUILD twice, powering-off, deleting, DELETED', async () => {
    const created = await api.compute('/servers', {
      method: 'POST',
      body: serverBody(cloud),
      microversion: '2.79',
    });
    const id = created.json.server.id;
    const read = async () => (await api.compute(`/servers/${id}`)).json.server;
    const phases: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const server = await read();
      phases.push(`${server.status}/${server['OS-EXT-STS:task_state']}`);
    }
    expect(phases).toEqual(['BUILD/scheduling', 'BUILD/block_device_mapping', 'ACTIVE/null']);
    expect((await read()).addresses.test[0].addr).toMatch(/^127\.200\.0\./);
    await api.compute(`/servers/${id}/action`, { method: 'POST', body: { 'os-stop': null } });
    expect(await read()).toMatchObject({
      status: 'ACTIVE',
      'OS-EXT-STS:task_state': 'powering-off',
    });
    for (let i = 0; i < 100 && (await read()).status !== 'SHUTOFF'; i += 1) await sleep(20);
    expect((await read()).status).toBe('SHUTOFF');
    await api.compute(`/servers/${id}`, { method: 'DELETE' });
    expect(await read()).toMatchObject({ status: 'SHUTOFF', 'OS-EXT-STS:task_state': 'deleting' });
    const seen = new Set<string>();
    for (let i = 0; i < 100; i += 1) {
      const reply = await api.compute(`/servers/${id}`);
      seen.add(reply.status === 404 ? '404' : reply.json.server.status);
      if (reply.status === 404) break;
      await sleep(20);
    }
    expect([...seen]).toEqual(expect.arrayContaining(['DELETED', '404']));
  });

  it('keeps the reference profile as the default, and names a bad profile', async () => {
    await expect(
      FakeOpenStack.start({ profile: 'devstack' as unknown as 'devcloud' }),
    ).rejects.toThrow(
      "FakeOpenStack.start(): profile must be 'reference' or 'devcloud', got \"devstack\"",
    );
    const reference = await FakeOpenStack.start();
    try {
      const subnets = await wire(`${reference.endpoints.network}/v2.0/subnets?name=test-subnet`, {
        token: await login(reference),
      });
      expect(subnets.json.subnets[0]).toMatchObject({
        cidr: '192.168.222.0/24',
        enable_dhcp: true,
      });
      expect(reference.quota.instances).toBe(10);
    } finally {
      await reference.stop();
    }
  });
});
