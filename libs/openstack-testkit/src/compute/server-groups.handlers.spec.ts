import { FakeOpenStack } from '../index';
import { login, serverBody, servicesOf } from '../../test-support/wire-client';
import { NO_VALID_HOST_MESSAGE } from './scheduler';

describe('fake Nova os-server-groups, the group hint and the scheduler', () => {
  let cloud: FakeOpenStack;
  let nova: ReturnType<typeof servicesOf>['compute'];

  beforeEach(async () => {
    cloud = await FakeOpenStack.start();
    nova = servicesOf(cloud, await login(cloud)).compute;
  });
  afterEach(async () => cloud.stop());

  const createGroup = async (policy: string, microversion = '2.64'): Promise<string> => {
    const body =
      microversion >= '2.64'
        ? { server_group: { name: `g-${policy}`, policy } }
        : { server_group: { name: `g-${policy}`, policies: [policy] } };
    const reply = await nova('/os-server-groups', { method: 'POST', body, microversion });
    expect(reply.status).toBe(200);
    return reply.json.server_group.id as string;
  };
  const bootInto = async (
    groupId: string,
    extra: Record<string, unknown> = {},
  ): Promise<string> => {
    const base = serverBody(cloud) as { server: Record<string, unknown> };
    const reply = await nova('/servers', {
      method: 'POST',
      body: { server: { ...base.server, ...extra }, 'os:scheduler_hints': { group: groupId } },
      microversion: '2.79',
    });
    expect(reply.status).toBe(202);
    return reply.json.server.id as string;
  };
  const settle = async (
    id: string,
  ): Promise<Record<string, unknown> & { id: string; status: string; hostId?: string }> => {
    for (let i = 0; i < 5; i++) {
      const server = (await nova(`/servers/${id}`, { microversion: '2.79' })).json.server;
      if (server.status !== 'BUILD') return server;
    }
    throw new Error(`server ${id} stayed in BUILD`);
  };

  it('answers in the 2.64 form (policy + rules) and the older one (policies + metadata)', async () => {
    const id = await createGroup('anti-affinity');
    const newer = (await nova(`/os-server-groups/${id}`, { microversion: '2.64' })).json
      .server_group;
    const older = (await nova('/os-server-groups', { microversion: '2.1' })).json.server_groups[0];
    expect(Object.keys(newer)).toEqual([
      'id',
      'name',
      'policy',
      'rules',
      'members',
      'project_id',
      'user_id',
    ]);
    expect(newer).toMatchObject({ policy: 'anti-affinity', rules: {}, members: [] });
    expect(older).toEqual({
      id,
      name: 'g-anti-affinity',
      policies: ['anti-affinity'],
      members: [],
      metadata: {},
    });
  });

  it("refuses soft policies below 2.15 with Nova's schema message", async () => {
    const reply = await nova('/os-server-groups', {
      method: 'POST',
      body: { server_group: { name: 'x', policies: ['soft-anti-affinity'] } },
      microversion: '2.1',
    });
    expect(reply.status).toBe(400);
    expect(reply.json.badRequest.message).toBe(
      "Invalid input for field/attribute 0. Value: soft-anti-affinity. 'soft-anti-affinity' is not one of ['anti-affinity', 'affinity']",
    );
  });

  it('hard anti-affinity on one host: the second member goes ERROR with NoValidHost', async () => {
    const group = await createGroup('anti-affinity');
    const first = await settle(await bootInto(group));
    const second = await settle(await bootInto(group));
    expect(first.status).toBe('ACTIVE');
    expect(second.status).toBe('ERROR');
    expect(second.fault).toMatchObject({ code: 500, message: NO_VALID_HOST_MESSAGE });
    // The failed one is a member until it is deleted (as in Nova).
    const members = (await nova(`/os-server-groups/${group}`, { microversion: '2.64' })).json
      .server_group.members;
    expect(members).toHaveLength(2);
    await nova(`/servers/${second.id}`, { method: 'DELETE' });
    await new Promise((r) => setTimeout(r, 100));
    expect(
      (await nova(`/os-server-groups/${group}`, { microversion: '2.64' })).json.server_group
        .members,
    ).toEqual([first.id]);
  });

  it('soft anti-affinity places both on the one host; with two hosts it spreads them', async () => {
    const group = await createGroup('soft-anti-affinity');
    const a = await settle(await bootInto(group));
    const b = await settle(await bootInto(group));
    expect([a.status, b.status]).toEqual(['ACTIVE', 'ACTIVE']);
    expect(a.hostId).toBe(b.hostId);
    cloud.computeHosts.push({ name: 'fake-compute-2', zone: 'nova' });
    const c = await settle(await bootInto(group));
    expect(c.hostId).not.toBe(a.hostId);
    expect(c.server_groups).toEqual([group]);
  });

  it('availability zones: the requested zone is used, an unknown one is 400, a failing host builds ERROR', async () => {
    cloud.computeHosts.push({
      name: 'h-az2',
      zone: 'az2',
      failBuilds: { message: 'Build of instance aborted: zone az2 is down' },
    });
    const group = await createGroup('soft-anti-affinity');
    const inAz2 = await settle(await bootInto(group, { availability_zone: 'az2' }));
    // An ERROR server shows "" as its zone (as the devcloud does); the fake placed it in az2.
    expect(inAz2).toMatchObject({
      status: 'ERROR',
      fault: { message: 'Build of instance aborted: zone az2 is down' },
    });
    expect(cloud.state.servers.get(inAz2.id)).toMatchObject({
      availabilityZone: 'az2',
      host: 'h-az2',
    });
    const base = serverBody(cloud) as { server: Record<string, unknown> };
    const unknown = await nova('/servers', {
      method: 'POST',
      body: { server: { ...base.server, availability_zone: 'az9' } },
      microversion: '2.79',
    });
    expect(unknown.status).toBe(400);
    expect(unknown.json.badRequest.message).toBe(
      'The requested availability zone is not available',
    );
  });

  it('a group hint naming no group is a 400; /limits counts server groups', async () => {
    const base = serverBody(cloud) as { server: Record<string, unknown> };
    const missing = '8e4c4a7e-1b1e-4d5a-9a35-5c7b9a0d0e11';
    const reply = await nova('/servers', {
      method: 'POST',
      body: { ...base, 'os:scheduler_hints': { group: missing } },
      microversion: '2.79',
    });
    expect(reply.status).toBe(400);
    expect(reply.json.badRequest.message).toBe(`Instance group ${missing} could not be found.`);
    await createGroup('affinity');
    expect((await nova('/limits')).json.limits.absolute.totalServerGroupsUsed).toBe(1);
  });

  it("enforces the cores quota with Nova's message", async () => {
    cloud.quota.cores = 1;
    await settle(await bootInto(await createGroup('soft-affinity')));
    const base = serverBody(cloud) as { server: Record<string, unknown> };
    const reply = await nova('/servers', { method: 'POST', body: base, microversion: '2.79' });
    expect(reply.status).toBe(403);
    expect(reply.json.forbidden.message).toBe(
      'Quota exceeded for cores: Requested 1, but already used 1 of 1 cores',
    );
  });
});
