import { FakeOpenStack } from '../index';
import { login, servicesOf } from '../../test-support/wire-client';

// Shapes as the devcloud's Neutron answered them (probe of 2026-12-07): a new group is revision 1
// (its default rules bumped it), an update makes it 2, a stale If-Match is 412.
describe('fake Neutron security group update and If-Match (revision-if-match)', () => {
  let cloud: FakeOpenStack;
  let network: ReturnType<typeof servicesOf>['network'];

  beforeEach(async () => {
    cloud = await FakeOpenStack.start();
    ({ network } = servicesOf(cloud, await login(cloud)));
  });
  afterEach(async () => {
    await cloud.stop();
  });

  async function createGroup(): Promise<string> {
    const created = await network('/v2.0/security-groups', {
      method: 'POST',
      body: { security_group: { name: 'osa-lease-g', description: '' } },
    });
    expect(created.status).toBe(201);
    expect(created.json.security_group.revision_number).toBe(1);
    return created.json.security_group.id;
  }

  it('bumps revision_number on every update and honours a matching If-Match', async () => {
    const id = await createGroup();
    const first = await network(`/v2.0/security-groups/${id}`, {
      method: 'PUT',
      headers: { 'If-Match': 'revision_number=1' },
      body: { security_group: { description: 'a' } },
    });
    expect(first.status).toBe(200);
    expect(first.json.security_group).toMatchObject({ description: 'a', revision_number: 2 });
    const unconditional = await network(`/v2.0/security-groups/${id}`, {
      method: 'PUT',
      body: { security_group: { description: 'b' } },
    });
    expect(unconditional.json.security_group.revision_number).toBe(3);
  });

  it('answers 412 RevisionNumberConstraintFailed on a stale revision and changes nothing', async () => {
    const id = await createGroup();
    await network(`/v2.0/security-groups/${id}`, {
      method: 'PUT',
      headers: { 'If-Match': 'revision_number=1' },
      body: { security_group: { description: 'winner' } },
    });
    const loser = await network(`/v2.0/security-groups/${id}`, {
      method: 'PUT',
      headers: { 'If-Match': 'revision_number=1' },
      body: { security_group: { description: 'loser' } },
    });
    expect(loser.status).toBe(412);
    expect(loser.json).toEqual({
      NeutronError: {
        type: 'RevisionNumberConstraintFailed',
        message: 'Constrained to 1, but current revision is 2',
        detail: '',
      },
    });
    const now = await network(`/v2.0/security-groups/${id}`);
    expect(now.json.security_group).toMatchObject({ description: 'winner', revision_number: 2 });
  });

  it('refuses a malformed If-Match with 400, and a rule change bumps the group', async () => {
    const id = await createGroup();
    const bad = await network(`/v2.0/security-groups/${id}`, {
      method: 'PUT',
      headers: { 'If-Match': 'revision_number=abc' },
      body: { security_group: { description: 'x' } },
    });
    expect(bad.status).toBe(400);
    expect(bad.json.NeutronError.type).toBe('BadRequest');
    await network('/v2.0/security-group-rules', {
      method: 'POST',
      body: {
        security_group_rule: {
          security_group_id: id,
          direction: 'ingress',
          protocol: 'tcp',
          port_range_min: 80,
        },
      },
    });
    expect((await network(`/v2.0/security-groups/${id}`)).json.security_group.revision_number).toBe(
      2,
    );
  });
});
