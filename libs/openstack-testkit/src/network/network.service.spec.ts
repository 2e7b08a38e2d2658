import { FakeOpenStack } from '../index';
import { login, serverBody, servicesOf, wire, type Json } from '../../test-support/wire-client';

describe('fake Neutron v2.0', () => {
  let cloud: FakeOpenStack;
  let token: string;
  let network: ReturnType<typeof servicesOf>['network'];
  let compute: ReturnType<typeof servicesOf>['compute'];

  beforeEach(async () => {
    cloud = await FakeOpenStack.start();
    token = await login(cloud);
    ({ network, compute } = servicesOf(cloud, token));
  });
  afterEach(async () => {
    await cloud.stop();
  });

  function defaultGroupId(): string {
    return [...cloud.state.securityGroups.values()].find((g) => g.name === 'default')?.id ?? '';
  }

  it('serves versions at / (no token, no request id) and the resource index only at /v2.0/', async () => {
    const root = await wire(`${cloud.endpoints.network}/`);
    expect(root.json).toEqual({
      versions: [
        {
          id: 'v2.0',
          status: 'CURRENT',
          links: [{ rel: 'self', href: `${cloud.endpoints.network}/v2.0/` }],
        },
      ],
    });
    expect(root.headers.get('x-openstack-request-id')).toBeNull();
    expect((await network('/v2.0/')).json.resources.map((r: Json) => r.collection)).toContain(
      'networks',
    );
    expect((await network('/v2.0')).status).toBe(404);
  });

  it('lists networks filtered by name and by boolean attributes', async () => {
    const byName = await network('/v2.0/networks?name=test');
    expect(byName.json.networks).toHaveLength(1);
    expect(byName.json.networks[0]).toMatchObject({
      name: 'test',
      'router:external': false,
      project_id: cloud.credentials.projectId,
      tenant_id: cloud.credentials.projectId,
    });
    const external = await network('/v2.0/networks?router:external=true');
    expect(external.json.networks.map((n: Json) => n.name)).toEqual(['public']);
    const bad = await network('/v2.0/networks?admin_state_up=maybe');
    expect(bad.json).toEqual({
      NeutronError: {
        type: 'InvalidInput',
        message: "Invalid input for operation: 'maybe' cannot be converted to boolean.",
        detail: '',
      },
    });
    expect((await network('/v2.0/networks?colour=blue')).status).toBe(400);
  });

  it('creates a network and a subnet, rejecting bad and overlapping CIDRs', async () => {
    const net = await network('/v2.0/networks', {
      method: 'POST',
      body: { network: { name: 'n2' } },
    });
    expect(net.status).toBe(201);
    const id = net.json.network.id;
    const subnet = await network('/v2.0/subnets', {
      method: 'POST',
      body: { subnet: { network_id: id, ip_version: 4, cidr: '10.9.0.0/24', name: 's2' } },
    });
    expect(subnet.status).toBe(201);
    expect(subnet.json.subnet).toMatchObject({
      gateway_ip: '10.9.0.1',
      allocation_pools: [{ start: '10.9.0.2', end: '10.9.0.254' }],
    });
    expect((await network(`/v2.0/networks/${id}`)).json.network.subnets).toEqual([
      subnet.json.subnet.id,
    ]);
    const badCidr = await network('/v2.0/subnets', {
      method: 'POST',
      body: { subnet: { network_id: id, ip_version: 4, cidr: 'not-a-cidr' } },
    });
    expect(badCidr.json.NeutronError).toEqual({
      type: 'InvalidInput',
      message: 'Invalid input for operation: not-a-cidr is not in a CIDR format.',
      detail: '',
    });
    const overlap = await network('/v2.0/subnets', {
      method: 'POST',
      body: { subnet: { network_id: id, ip_version: 4, cidr: '10.9.0.128/25' } },
    });
    expect(overlap.status).toBe(400);
    const missing = await network('/v2.0/networks/00000000-0000-0000-0000-000000000000');
    expect(missing.json).toEqual({
      NeutronError: {
        type: 'NetworkNotFound',
        message: 'Network 00000000-0000-0000-0000-000000000000 could not be found.',
        detail: '',
      },
    });
  });

  it('refuses DHCP on a loopback subnet as upstream Neutron does, and takes it with enable_dhcp false', async () => {
    const id = (
      await network('/v2.0/networks', { method: 'POST', body: { network: { name: 'lo' } } })
    ).json.network.id;
    const create = (fields: Record<string, unknown>) =>
      network('/v2.0/subnets', {
        method: 'POST',
        body: { subnet: { network_id: id, ip_version: 4, cidr: '127.201.0.0/24', ...fields } },
      });
    // enable_dhcp defaults to true (neutron/db/db_base_plugin_v2.py _validate_subnet).
    for (const refused of [await create({}), await create({ enable_dhcp: true })]) {
      expect([refused.status, refused.json.NeutronError]).toEqual([
        400,
        {
          type: 'InvalidInput',
          message:
            'Invalid input for operation: Loopback IP subnet is not supported if enable_dhcp is True.',
          detail: '',
        },
      ]);
    }
    expect((await network(`/v2.0/networks/${id}`)).json.network.subnets).toEqual([]);
    const ok = await create({ enable_dhcp: false });
    expect(ok.status).toBe(201);
    expect(ok.json.subnet).toMatchObject({ cidr: '127.201.0.0/24', enable_dhcp: false });
  });

  it('honours allocation_pools on subnet create and refuses bad pools as Neutron does', async () => {
    const id = (
      await network('/v2.0/networks', { method: 'POST', body: { network: { name: 'p' } } })
    ).json.network.id;
    const create = (fields: Record<string, unknown>) =>
      network('/v2.0/subnets', {
        method: 'POST',
        body: { subnet: { network_id: id, ip_version: 4, cidr: '10.7.0.0/24', ...fields } },
      });
    const outside = await create({ allocation_pools: [{ start: '10.7.0.2', end: '10.7.1.5' }] });
    expect(outside.json.NeutronError).toEqual({
      type: 'OutOfBoundsAllocationPool',
      message: 'The allocation pool 10.7.0.2-10.7.1.5 spans beyond the subnet cidr 10.7.0.0/24.',
      detail: '',
    });
    const overlapping = await create({
      allocation_pools: [
        { start: '10.7.0.10', end: '10.7.0.20' },
        { start: '10.7.0.15', end: '10.7.0.30' },
      ],
    });
    expect([overlapping.status, overlapping.json.NeutronError.type]).toEqual([
      409,
      'OverlappingAllocationPools',
    ]);
    const gateway = await create({ allocation_pools: [{ start: '10.7.0.1', end: '10.7.0.9' }] });
    expect(gateway.json.NeutronError).toMatchObject({
      type: 'GatewayConflictWithAllocationPools',
      message: 'Gateway ip 10.7.0.1 conflicts with allocation pool 10.7.0.1-10.7.0.9.',
    });
    const backwards = await create({ allocation_pools: [{ start: '10.7.0.9', end: '10.7.0.5' }] });
    expect(backwards.json.NeutronError.type).toBe('InvalidAllocationPool');
    const malformed = await create({ allocation_pools: [{ start: '10.7.0.9' }] });
    expect(malformed.json.NeutronError.message).toContain('Invalid data format for IP pool');
    expect((await network(`/v2.0/networks/${id}`)).json.network.subnets).toEqual([]);

    const ok = await create({ allocation_pools: [{ start: '10.7.0.100', end: '10.7.0.101' }] });
    expect(ok.status).toBe(201);
    expect(ok.json.subnet.allocation_pools).toEqual([{ start: '10.7.0.100', end: '10.7.0.101' }]);
    // Ports take their addresses from the pool, and no further.
    const addresses: string[] = [];
    for (let i = 0; i < 2; i += 1) {
      const port = await network('/v2.0/ports', {
        method: 'POST',
        body: { port: { network_id: id } },
      });
      addresses.push(port.json.port.fixed_ips[0].ip_address);
    }
    expect(addresses).toEqual(['10.7.0.100', '10.7.0.101']);
    const full = await network('/v2.0/ports', {
      method: 'POST',
      body: { port: { network_id: id } },
    });
    expect([full.status, full.json.NeutronError.type]).toEqual([409, 'IpAddressGenerationFailure']);
  });

  it("finds the project's default security group by name and project, with Neutron's four default rules", async () => {
    const reply = await network(
      `/v2.0/security-groups?name=default&project_id=${cloud.credentials.projectId}`,
    );
    expect(reply.json.security_groups).toHaveLength(1);
    const rules = reply.json.security_groups[0].security_group_rules;
    expect(rules).toHaveLength(4);
    expect(
      rules
        .filter((r: Json) => r.direction === 'ingress')
        .every((r: Json) => r.remote_group_id === defaultGroupId()),
    ).toBe(true);
  });

  it('creates a rule (201) and answers a duplicate with 409 SecurityGroupRuleExists naming the rule', async () => {
    const body = {
      security_group_rule: {
        security_group_id: defaultGroupId(),
        direction: 'ingress',
        ethertype: 'IPv4',
        protocol: 'tcp',
        port_range_min: 5000,
        port_range_max: 5000,
        remote_ip_prefix: '0.0.0.0/0',
      },
    };
    const created = await network('/v2.0/security-group-rules', { method: 'POST', body });
    expect(created.status).toBe(201);
    expect(created.json.security_group_rule).toMatchObject({
      protocol: 'tcp',
      port_range_min: 5000,
      normalized_cidr: '0.0.0.0/0',
    });
    const duplicate = await network('/v2.0/security-group-rules', { method: 'POST', body });
    expect(duplicate.status).toBe(409);
    expect(duplicate.json).toEqual({
      NeutronError: {
        type: 'SecurityGroupRuleExists',
        message: `Security group rule already exists. Rule id is ${created.json.security_group_rule.id}.`,
        detail: '',
      },
    });
    const listed = await network(
      `/v2.0/security-group-rules?security_group_id=${defaultGroupId()}&protocol=tcp`,
    );
    expect(listed.json.security_group_rules).toHaveLength(1);
    expect(
      (
        await network(`/v2.0/security-group-rules/${created.json.security_group_rule.id}`, {
          method: 'DELETE',
        })
      ).status,
    ).toBe(204);
    expect(
      (await network(`/v2.0/security-group-rules/${created.json.security_group_rule.id}`)).json
        .NeutronError.type,
    ).toBe('SecurityGroupRuleNotFound');
  });

  it('validates rule port ranges and enforces the rule quota with 409 OverQuota', async () => {
    const rule = (min: number, max: number): unknown => ({
      security_group_rule: {
        security_group_id: defaultGroupId(),
        direction: 'ingress',
        protocol: 'tcp',
        port_range_min: min,
        port_range_max: max,
      },
    });
    const bad = await network('/v2.0/security-group-rules', {
      method: 'POST',
      body: rule(6000, 5000),
    });
    expect(bad.json.NeutronError).toEqual({
      type: 'SecurityGroupInvalidPortRange',
      message: 'For TCP/UDP protocols, port_range_min must be <= port_range_max',
      detail: '',
    });
    cloud.quota.securityGroupRules = cloud.state.securityGroupRules.size;
    const over = await network('/v2.0/security-group-rules', {
      method: 'POST',
      body: rule(22, 22),
    });
    expect(over.status).toBe(409);
    expect(over.json).toEqual({
      NeutronError: {
        type: 'OverQuota',
        message: "Quota exceeded for resources: ['security_group_rule'].",
        detail: '',
      },
    });
  });

  it("lists a server's ports by device_id and shows an associated floating IP in the server's addresses", async () => {
    const created = await compute('/servers', {
      method: 'POST',
      body: serverBody(cloud),
      microversion: '2.79',
    });
    const serverId = created.json.server.id;
    await compute(`/servers/${serverId}`);
    const ports = (await network(`/v2.0/ports?device_id=${serverId}`)).json.ports;
    expect(ports).toHaveLength(1);
    const publicNet = [...cloud.state.networks.values()].find((n) => n.external);
    const fip = await network('/v2.0/floatingips', {
      method: 'POST',
      body: { floatingip: { floating_network_id: publicNet?.id } },
    });
    expect(fip.status).toBe(201);
    expect(fip.json.floatingip).toMatchObject({
      status: 'DOWN',
      port_id: null,
      floating_ip_address: '172.24.4.2',
    });
    const associated = await network(`/v2.0/floatingips/${fip.json.floatingip.id}`, {
      method: 'PUT',
      body: { floatingip: { port_id: ports[0].id } },
    });
    expect(associated.json.floatingip).toMatchObject({
      status: 'ACTIVE',
      port_id: ports[0].id,
      fixed_ip_address: ports[0].fixed_ips[0].ip_address,
    });
    const addresses = (await compute(`/servers/${serverId}`)).json.server.addresses.test;
    expect(addresses.map((a: Json) => [a.addr, a['OS-EXT-IPS:type']])).toEqual([
      [ports[0].fixed_ips[0].ip_address, 'fixed'],
      ['172.24.4.2', 'floating'],
    ]);
    const detached = await network(`/v2.0/floatingips/${fip.json.floatingip.id}`, {
      method: 'PUT',
      body: { floatingip: { port_id: null } },
    });
    expect(detached.json.floatingip.status).toBe('DOWN');
    expect((await network('/v2.0/floatingips?status=DOWN')).json.floatingips).toHaveLength(1);
  });

  it('refuses a floating IP on a non-external network and over quota', async () => {
    const test = [...cloud.state.networks.values()].find((n) => n.name === 'test');
    const internal = await network('/v2.0/floatingips', {
      method: 'POST',
      body: { floatingip: { floating_network_id: test?.id } },
    });
    expect(internal.status).toBe(400);
    cloud.quota.floatingIps = 0;
    const publicNet = [...cloud.state.networks.values()].find((n) => n.external);
    const over = await network('/v2.0/floatingips', {
      method: 'POST',
      body: { floatingip: { floating_network_id: publicNet?.id } },
    });
    expect(over.json.NeutronError).toMatchObject({
      type: 'OverQuota',
      message: "Quota exceeded for resources: ['floatingip'].",
    });
  });

  it('answers 404 HTTPNotFound for floating IPs when the L3 plugin is off, like the devcloud', async () => {
    const noL3 = await FakeOpenStack.start({ networkL3: false });
    try {
      const reply = await wire(`${noL3.endpoints.network}/v2.0/floatingips`, {
        token: await login(noL3),
      });
      expect(reply.json).toEqual({
        NeutronError: {
          type: 'HTTPNotFound',
          message: 'The resource could not be found.',
          detail: '',
        },
      });
    } finally {
      await noL3.stop();
    }
  });

  it('shows the quota without router/floatingip when the L3 plugin is off; only the admin may change it', async () => {
    const noL3 = await FakeOpenStack.start({ networkL3: false });
    try {
      const projectId = noL3.credentials.projectId;
      const member = servicesOf(noL3, await login(noL3)).network;
      const admin = servicesOf(noL3, await login(noL3, 'admin')).network;
      // Keys and values of captures/neutron/14-quota-demo.txt (port 100 as on the devcloud).
      expect((await member(`/v2.0/quotas/${projectId}`)).json).toEqual({
        quota: {
          network: 100,
          subnet: 100,
          subnetpool: -1,
          port: 100,
          rbac_policy: 10,
          security_group: 10,
          security_group_rule: 100,
        },
      });
      const refused = await member(`/v2.0/quotas/${projectId}`, {
        method: 'PUT',
        body: { quota: { port: 1000 } },
      });
      expect([refused.status, refused.json]).toEqual([
        403,
        {
          NeutronError: {
            type: 'PolicyNotAuthorized',
            message: 'rule:update_quota is disallowed by policy',
            detail: '',
          },
        },
      ]);
      const changed = await admin(`/v2.0/quotas/${projectId}`, {
        method: 'PUT',
        body: { quota: { security_group_rule: 5 } },
      });
      expect(changed.json.quota.security_group_rule).toBe(5);
      expect(noL3.quota.securityGroupRules).toBe(5);
      const bad = await admin(`/v2.0/quotas/${projectId}`, {
        method: 'PUT',
        body: { quota: { port: 'many' } },
      });
      expect(bad.json.NeutronError.message).toBe(
        "Invalid input for port. Reason: 'many' is not an integer.",
      );
    } finally {
      await noL3.stop();
    }
    // With the L3 plugin (the default) the quota lists routers and floating IPs too.
    const full = await network(`/v2.0/quotas/${cloud.credentials.projectId}`);
    expect(full.json.quota).toMatchObject({ router: 10, floatingip: 50 });
  });

  it('paginates with limit/marker and networks_links', async () => {
    const page1 = await network('/v2.0/networks?limit=1');
    expect(page1.json.networks).toHaveLength(1);
    const next = page1.json.networks_links.find((l: Json) => l.rel === 'next');
    const page2 = await wire(next.href, { token });
    expect(page2.json.networks).toHaveLength(1);
    expect(page2.json.networks[0].id).not.toBe(page1.json.networks[0].id);
  });

  it('answers unknown paths, HTML accept and missing tokens in Neutron/keystonemiddleware shapes', async () => {
    expect((await network('/v2.0/nope')).json.NeutronError.type).toBe('HTTPNotFound');
    const html = await network('/v2.0/networks', { headers: { Accept: 'text/html' } });
    expect(html.status).toBe(406);
    expect(html.json.NeutronError.type).toBe('HTTPNotAcceptable');
    const anonymous = await wire(`${cloud.endpoints.network}/v2.0/networks`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.json).toEqual({
      error: {
        code: 401,
        title: 'Unauthorized',
        message: 'The request you have made requires authentication.',
      },
    });
    expect(anonymous.headers.get('x-openstack-request-id')).toMatch(/^req-/);
  });
});
