/**
 * networks.create/delete and subnets.create/delete against @osa/openstack-testkit's stateful fake
 * Neutron: what the client sends is what the fake (which does not import the client) understands,
 * and the fake's state shows the result.
 */
import { FakeOpenStack } from '@osa/openstack-testkit';
import {
  BadRequestError,
  ConflictError,
  NotFoundError,
  OpenStackClient,
  QuotaExceededError,
} from '../src';

describe('openstack-client network create/delete against the fake OpenStack (e2e)', () => {
  let cloud: FakeOpenStack;
  let client: OpenStackClient;

  beforeEach(async () => {
    cloud = await FakeOpenStack.start();
    client = OpenStackClient.fromEnvironment({
      env: cloud.openrcEnv(),
      overrides: { retry: { maxRetries: 2, baseDelayMs: 5, maxDelayMs: 50 }, timeoutMs: 3_000 },
    });
  });
  afterEach(async () => {
    client.close();
    await cloud.stop();
  });

  it("creates network + subnet as in seed section 4, finds them, and deletes them (the network's delete is idempotent)", async () => {
    const network = await client.network.networks.create({ name: 'bake-net', mtu: 1400 });
    const subnet = await client.network.subnets.create({
      networkId: network.id,
      name: 'bake-subnet',
      cidr: '192.168.222.0/24',
      gatewayIp: '192.168.222.1',
      dnsNameservers: ['192.168.222.53'],
    });

    expect(network).toMatchObject({ name: 'bake-net', status: 'ACTIVE', mtu: 1400, subnetIds: [] });
    expect(subnet).toMatchObject({
      name: 'bake-subnet',
      networkId: network.id,
      cidr: '192.168.222.0/24',
      ipVersion: 4,
      gatewayIp: '192.168.222.1',
      enableDhcp: true,
      dnsNameservers: ['192.168.222.53'],
      allocationPools: [{ start: '192.168.222.2', end: '192.168.222.254' }],
    });
    expect(cloud.state.networks.get(network.id)?.subnetIds).toEqual([subnet.id]);
    expect((await client.network.networks.find('bake-net')).subnetIds).toEqual([subnet.id]);
    expect(
      (await client.network.subnets.list({ networkId: network.id }).toArray()).map((s) => s.id),
    ).toEqual([subnet.id]);
    expect(cloud.callsTo('network', 'POST', /\/v2\.0\/subnets$/)[0].body).toEqual({
      subnet: {
        network_id: network.id,
        name: 'bake-subnet',
        ip_version: 4,
        cidr: '192.168.222.0/24',
        gateway_ip: '192.168.222.1',
        dns_nameservers: ['192.168.222.53'],
      },
    });

    expect(await client.network.subnets.delete(subnet.id)).toBe(true);
    expect(cloud.state.subnets.has(subnet.id)).toBe(false);
    expect(await client.network.networks.delete(network.id)).toBe(true);
    expect(await client.network.networks.delete(network.id)).toBe(false);
    await expect(client.network.networks.get(network.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(
      client.network.subnets.delete(subnet.id, { ignoreMissing: false }),
    ).rejects.toBeInstanceOf(NotFoundError);
  });

  it("an overlapping subnet is Neutron's 400 InvalidInput: a BadRequestError with Neutron's text", async () => {
    const network = await client.network.networks.find('test'); // seeded with 192.168.222.0/24
    const error = (await client.network.subnets
      .create({ networkId: network.id, name: 'again', cidr: '192.168.222.0/25' })
      .catch((e: unknown) => e)) as BadRequestError;
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error.errorType).toBe('InvalidInput');
    expect(error.serverMessage).toBe(
      `Invalid input for operation: Requested subnet with cidr: 192.168.222.0/25 for network: ${network.id} overlaps with another subnet.`,
    );
    expect(error.requestId).toMatch(/^req-[0-9a-f-]{36}$/);
    expect(error.message).toContain(error.requestId!);
  });

  it("the devcloud's refusal of a subnet outside 127.0.0.0/8 (injected) surfaces as a BadRequestError", async () => {
    const network = await client.network.networks.create({ name: 'lab' });
    const devcloudText =
      'Invalid input for operation: devcloud: only subnets inside 127.0.0.0/8 are allowed, so every server address is reachable on loopback (got 192.168.222.0/24).';
    const fault = cloud.inject({
      service: 'network',
      method: 'POST',
      path: /\/v2\.0\/subnets$/,
      status: 400,
      body: { NeutronError: { type: 'InvalidInput', message: devcloudText, detail: '' } },
      times: 1,
    });
    const error = (await client.network.subnets
      .create({ networkId: network.id, name: 'lab-subnet', cidr: '192.168.222.0/24' })
      .catch((e: unknown) => e)) as BadRequestError;
    expect(fault.hits).toBe(1);
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error.serverMessage).toBe(devcloudText);
    expect(error.message).toContain(devcloudText);
    expect(error.requestId).toMatch(/^req-/);
    expect(cloud.state.networks.get(network.id)?.subnetIds).toEqual([]);
    // A loopback CIDR with DHCP left on (Neutron's default) is refused by upstream Neutron ...
    const dhcp = (await client.network.subnets
      .create({ networkId: network.id, name: 'lab-subnet', cidr: '127.201.0.0/24' })
      .catch((e: unknown) => e)) as BadRequestError;
    expect(dhcp).toBeInstanceOf(BadRequestError);
    expect(dhcp.serverMessage).toBe(
      'Invalid input for operation: Loopback IP subnet is not supported if enable_dhcp is True.',
    );
    // ... and accepted with DHCP off.
    const subnet = await client.network.subnets.create({
      networkId: network.id,
      name: 'lab-subnet',
      cidr: '127.201.0.0/24',
      enableDhcp: false,
    });
    expect(subnet).toMatchObject({
      cidr: '127.201.0.0/24',
      gatewayIp: '127.201.0.1',
      enableDhcp: false,
    });
  });

  it("over the network quota: Neutron's 409 OverQuota is a QuotaExceededError", async () => {
    cloud.quota.networks = cloud.state.networks.size;
    const error = (await client.network.networks
      .create({ name: 'one-too-many' })
      .catch((e: unknown) => e)) as QuotaExceededError;
    expect(error).toBeInstanceOf(QuotaExceededError);
    expect(error.serverMessage).toBe("Quota exceeded for resources: ['network'].");
  });

  it("a network with a server on it: Neutron's 409 NetworkInUse is a ConflictError, nothing deleted", async () => {
    const network = await client.network.networks.find('test');
    const image = await client.image.images.findByName('ubuntu');
    const { id } = await client.compute.servers.create({
      name: 'e2e-net-user',
      imageId: image?.id ?? '',
      flavorId: '1',
      networks: [{ uuid: network.id }],
    });
    try {
      await client.compute.servers.waitForStatus(id, {
        target: 'ACTIVE',
        timeoutMs: 5_000,
        intervalMs: 20,
      });
      const error = (await client.network.networks
        .delete(network.id)
        .catch((e: unknown) => e)) as ConflictError;
      expect(error).toBeInstanceOf(ConflictError);
      expect(error.errorType).toBe('NetworkInUse');
      expect(cloud.state.networks.has(network.id)).toBe(true);
    } finally {
      await client.compute.servers.delete(id);
    }
  });
});
