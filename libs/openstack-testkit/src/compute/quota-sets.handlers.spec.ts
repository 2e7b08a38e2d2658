import { FakeOpenStack } from '../index';
import { login, serverBody, servicesOf } from '../../test-support/wire-client';

describe('fake Nova os-quota-sets (member reads, admin changes)', () => {
  let cloud: FakeOpenStack;
  let member: ReturnType<typeof servicesOf>['compute'];
  let admin: ReturnType<typeof servicesOf>['compute'];
  let projectId: string;

  beforeEach(async () => {
    cloud = await FakeOpenStack.start();
    member = servicesOf(cloud, await login(cloud)).compute;
    admin = servicesOf(cloud, await login(cloud, 'admin')).compute;
    projectId = cloud.credentials.projectId;
  });
  afterEach(async () => {
    await cloud.stop();
  });

  it('lets a member read its own quota, shaped as on the devcloud at 2.79', async () => {
    const reply = await member(`/os-quota-sets/${projectId}`, { microversion: '2.79' });
    expect(reply.status).toBe(200);
    // Keys and order of captures/nova/38b-quota-sets-demo.txt (values: Nova's defaults).
    expect(Object.keys(reply.json.quota_set)).toEqual([
      'id',
      'cores',
      'instances',
      'key_pairs',
      'metadata_items',
      'ram',
      'server_group_members',
      'server_groups',
    ]);
    expect(reply.json.quota_set).toMatchObject({ id: projectId, instances: 10, cores: 20 });
    // Before 2.36 the network quotas are still listed, before 2.57 the injected files.
    const old = (await member(`/os-quota-sets/${projectId}`)).json.quota_set;
    expect(old).toMatchObject({ floating_ips: -1, security_groups: -1, injected_files: 5 });
  });

  it('shows limit / in_use / reserved in detail, counting the servers', async () => {
    await member('/servers', { method: 'POST', body: serverBody(cloud), microversion: '2.79' });
    const detail = await member(`/os-quota-sets/${projectId}/detail`, { microversion: '2.79' });
    expect(detail.json.quota_set.instances).toEqual({ limit: 10, in_use: 1, reserved: 0 });
    expect(detail.json.quota_set.ram).toEqual({ limit: 51200, in_use: 512, reserved: 0 });
  });

  it("refuses a member's update with Nova's policy message, and another project's quota", async () => {
    const reply = await member(`/os-quota-sets/${projectId}`, {
      method: 'PUT',
      body: { quota_set: { instances: 99 } },
      microversion: '2.79',
    });
    expect(reply.status).toBe(403);
    expect(reply.json).toEqual({
      forbidden: {
        code: 403,
        message: "Policy doesn't allow os_compute_api:os-quota-sets:update to be performed.",
      },
    });
    expect(cloud.quota.instances).toBe(10);
    const other = await member(`/os-quota-sets/${cloud.adminCredentials.projectId}`);
    expect(other.json.forbidden.message).toBe(
      "Policy doesn't allow os_compute_api:os-quota-sets:show to be performed.",
    );
  });

  it('lets the admin lower the instance quota, which then applies to creates', async () => {
    await member('/servers', { method: 'POST', body: serverBody(cloud), microversion: '2.79' });
    const below = await admin(`/os-quota-sets/${projectId}`, {
      method: 'PUT',
      body: { quota_set: { instances: 0 } },
      microversion: '2.79',
    });
    expect(below.json.badRequest.message).toBe(
      'Quota limit 0 for instances must be greater than or equal to already used and reserved 1.',
    );
    const reply = await admin(`/os-quota-sets/${projectId}`, {
      method: 'PUT',
      body: { quota_set: { instances: 1 } },
      microversion: '2.79',
    });
    expect(reply.status).toBe(200);
    // The answer has no id (captures/nova/51-admin-quota-set-instances.txt).
    expect(reply.json.quota_set.id).toBeUndefined();
    expect(reply.json.quota_set.instances).toBe(1);
    expect(cloud.quota.instances).toBe(1);
    const over = await member('/servers', {
      method: 'POST',
      body: serverBody(cloud, { name: 'two' }),
      microversion: '2.79',
    });
    expect(over.json.forbidden.message).toBe(
      'Quota exceeded for instances: Requested 1, but already used 1 of 1 instances',
    );
    // force skips the usage check.
    const forced = await admin(`/os-quota-sets/${projectId}`, {
      method: 'PUT',
      body: { quota_set: { instances: '0', force: true } },
    });
    expect([forced.status, cloud.quota.instances]).toEqual([200, 0]);
  });

  it('checks the body against the schema before the policy', async () => {
    const bad = await member(`/os-quota-sets/${projectId}`, {
      method: 'PUT',
      body: { quota_set: { instances: 'lots' } },
    });
    expect(bad.json.badRequest.message).toBe(
      "Invalid input for field/attribute instances. Value: lots. 'lots' does not match '^-?[0-9]+$'",
    );
    const unknown = await admin(`/os-quota-sets/${projectId}`, {
      method: 'PUT',
      body: { quota_set: { floating_ips: 5 } },
      microversion: '2.79',
    });
    expect(unknown.json.badRequest.message).toContain(
      "Additional properties are not allowed ('floating_ips' was unexpected)",
    );
  });
});
