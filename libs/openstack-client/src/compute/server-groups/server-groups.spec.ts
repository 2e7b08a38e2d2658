import { LoopbackCloud } from '../../../test-support/loopback-cloud';
import { MicroversionNotSupportedError, NotFoundError } from '../../common/errors';
import { groupNotFound, groupsV21, groupV264 } from './__fixtures__/server-groups.fixture';

describe('compute: server groups', () => {
  let cloud: LoopbackCloud;
  afterEach(async () => cloud.close());

  it('creates with policy + rules at 2.64 and later, and reads the answer', async () => {
    cloud = await LoopbackCloud.start();
    cloud.on('POST', '/compute/v2.1/os-server-groups', () => ({ status: 200, body: groupV264 }));
    const os = cloud.client();
    const group = await os.compute.serverGroups.create({
      name: 'osa-acc-probe-sg',
      policy: 'anti-affinity',
      maxServerPerHost: 1,
    });
    os.close();
    const sent = cloud.requests.find(
      (r) => r.method === 'POST' && r.pathname.startsWith('/compute'),
    );
    expect(sent?.json()).toEqual({
      server_group: {
        name: 'osa-acc-probe-sg',
        policy: 'anti-affinity',
        rules: { max_server_per_host: 1 },
      },
    });
    expect(sent?.headers['openstack-api-version']).toBe('compute 2.93');
    expect(group).toEqual({
      id: groupV264.server_group.id,
      name: 'osa-acc-probe-sg',
      policy: 'anti-affinity',
      rules: { max_server_per_host: 1 },
      members: [],
      projectId: groupV264.server_group.project_id,
      userId: groupV264.server_group.user_id,
    });
  });

  it('below 2.64 sends a one-item policies list and reads policies back', async () => {
    cloud = await LoopbackCloud.start();
    cloud.on('POST', '/compute/v2.1/os-server-groups', () => ({
      status: 200,
      body: { server_group: { ...groupsV21.server_groups[0], policies: ['soft-anti-affinity'] } },
    }));
    cloud.on('GET', '/compute/v2.1/os-server-groups', () => ({ status: 200, body: groupsV21 }));
    const os = cloud.client({ computeMicroversion: '2.15' });
    const created = await os.compute.serverGroups.create({
      name: 'g',
      policy: 'soft-anti-affinity',
    });
    const found = await os.compute.serverGroups.findByName('osa-acc-probe-sg');
    const missing = await os.compute.serverGroups.findByName('nope');
    os.close();
    expect(
      cloud.requests.find((r) => r.method === 'POST' && r.pathname.startsWith('/compute'))?.json(),
    ).toEqual({
      server_group: { name: 'g', policies: ['soft-anti-affinity'] },
    });
    expect(created.policy).toBe('soft-anti-affinity');
    expect(found).toMatchObject({
      policy: 'anti-affinity',
      rules: {},
      members: ['22c44d42-7f4a-4951-99ed-ab508261b91a'],
    });
    expect(missing).toBeUndefined();
  });

  it('refuses soft policies below 2.15 and rules below 2.64 without sending anything', async () => {
    cloud = await LoopbackCloud.start();
    const os = cloud.client({ computeMicroversion: '2.1' });
    const soft = await os.compute.serverGroups
      .create({ name: 'g', policy: 'soft-affinity' })
      .catch((e: unknown) => e);
    const rules = await os.compute.serverGroups
      .create({ name: 'g', policy: 'anti-affinity', maxServerPerHost: 2 })
      .catch((e: unknown) => e);
    os.close();
    expect(soft).toBeInstanceOf(MicroversionNotSupportedError);
    expect(rules).toBeInstanceOf(MicroversionNotSupportedError);
    expect(
      cloud.requests.filter((r) => r.method === 'POST' && r.pathname.includes('server-groups')),
    ).toEqual([]);
  });

  it('get maps 404 to NotFoundError; delete of a missing group is false', async () => {
    cloud = await LoopbackCloud.start();
    const id = '00000000-0000-0000-0000-000000000000';
    cloud.on('GET', `/compute/v2.1/os-server-groups/${id}`, () => ({
      status: 404,
      body: groupNotFound(id),
    }));
    cloud.on('DELETE', `/compute/v2.1/os-server-groups/${id}`, () => ({
      status: 404,
      body: groupNotFound(id),
    }));
    const os = cloud.client();
    const error = await os.compute.serverGroups.get(id).catch((e: unknown) => e);
    const deleted = await os.compute.serverGroups.delete(id);
    os.close();
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as NotFoundError).serverMessage).toBe(`Instance group ${id} could not be found.`);
    expect(deleted).toBe(false);
  });

  it('boots into a group: os:scheduler_hints.group and availability_zone on create', async () => {
    cloud = await LoopbackCloud.start();
    cloud.on('POST', '/compute/v2.1/servers', () => ({
      status: 202,
      body: {
        server: {
          id: 'abc',
          links: [],
          adminPass: 'x',
          security_groups: [],
          'OS-DCF:diskConfig': 'MANUAL',
        },
      },
    }));
    const os = cloud.client();
    await os.compute.servers.create({
      name: 's',
      imageId: 'i',
      flavorId: '1',
      networks: 'none',
      availabilityZone: 'az2',
      schedulerHints: { group: groupV264.server_group.id },
    });
    os.close();
    const body = cloud.requests
      .find((r) => r.method === 'POST' && r.pathname.startsWith('/compute'))
      ?.json() as Record<string, Record<string, unknown>>;
    expect(body['os:scheduler_hints']).toEqual({ group: groupV264.server_group.id });
    expect(body['server']['availability_zone']).toBe('az2');
  });
});
