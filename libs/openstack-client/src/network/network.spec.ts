import { LoopbackCloud } from '../../test-support/loopback-cloud';
import {
  AmbiguousNameError,
  InvalidArgumentError,
  NotFoundError,
  PreconditionFailedError,
  QuotaExceededError,
} from '../common/errors';
import {
  floatingIp,
  network,
  networkNotFound,
  overQuota,
  port,
  ruleExists,
  securityGroup,
  securityGroupRule,
} from './__fixtures__/neutron-samples.fixture';

const N = '/network/v2.0';
const SG = 'f0ac4394-7e4a-4409-9701-ba8be283dbc3';
const PROJECT = 'a6944d763bf64ee6a275f1263fae0352'; // the token fixture's project

describe('network (Neutron v2.0)', () => {
  let cloud: LoopbackCloud;
  beforeEach(async () => {
    cloud = await LoopbackCloud.start();
  });
  afterEach(async () => cloud.close());

  it('creates a security group rule and sends the documented body', async () => {
    cloud.on('POST', `${N}/security-group-rules`, (req) => ({
      status: 201,
      body: {
        security_group_rule: securityGroupRule(
          'r-1',
          SG,
          (req.json() as { security_group_rule: Record<string, unknown> }).security_group_rule,
        ),
      },
    }));
    const os = cloud.client();
    const result = await os.network.securityGroupRules.create({
      securityGroupId: SG,
      direction: 'ingress',
      protocol: 'tcp',
      portRangeMin: 5000,
      portRangeMax: 5000,
      remoteIpPrefix: '0.0.0.0/0',
    });
    os.close();
    expect(result).toEqual({
      alreadyExists: false,
      rule: expect.objectContaining({
        id: 'r-1',
        securityGroupId: SG,
        direction: 'ingress',
        ethertype: 'IPv4',
        protocol: 'tcp',
        portRangeMin: 5000,
        portRangeMax: 5000,
      }),
    });
    expect(cloud.requestsTo('POST', `${N}/security-group-rules`)[0].json()).toEqual({
      security_group_rule: {
        security_group_id: SG,
        direction: 'ingress',
        ethertype: 'IPv4',
        protocol: 'tcp',
        port_range_min: 5000,
        port_range_max: 5000,
        remote_ip_prefix: '0.0.0.0/0',
      },
    });
  });

  it("treats Neutron's 409 SecurityGroupRuleExists as already present", async () => {
    cloud.on('POST', `${N}/security-group-rules`, () => ({
      status: 409,
      body: ruleExists('d656b8d1-1747-48f1-b018-5d5304f72787'),
    }));
    const os = cloud.client();
    const result = await os.network.securityGroupRules.create({
      securityGroupId: SG,
      direction: 'ingress',
      protocol: 'tcp',
      portRangeMin: 5000,
      portRangeMax: 5000,
    });
    os.close();
    expect(result).toEqual({
      alreadyExists: true,
      existingRuleId: 'd656b8d1-1747-48f1-b018-5d5304f72787',
    });
  });

  it("maps Neutron's 409 OverQuota to QuotaExceededError", async () => {
    cloud.on('POST', `${N}/security-group-rules`, () => ({ status: 409, body: overQuota }));
    const os = cloud.client();
    const error = (await os.network.securityGroupRules
      .create({ securityGroupId: SG, direction: 'ingress' })
      .catch((e: unknown) => e)) as QuotaExceededError;
    os.close();
    expect(error).toBeInstanceOf(QuotaExceededError);
    expect(error.errorType).toBe('OverQuota');
    expect(error.serverMessage).toBe("Quota exceeded for resources: ['security_group_rule'].");
  });

  it('refuses a bad rule before sending', async () => {
    const os = cloud.client();
    const error = await os.network.securityGroupRules
      .create({
        securityGroupId: SG,
        direction: 'ingress',
        portRangeMin: 8000,
        portRangeMax: 70000,
      })
      .catch((e: unknown) => e);
    os.close();
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toBe(
      'securityGroupRule.portRangeMax: 70000 is not a port number (allowed: an integer from 0 to 65535)',
    );
    expect(cloud.requestsTo('POST', `${N}/security-group-rules`)).toHaveLength(0);
  });

  it('updates a security group with If-Match: revision_number=N and maps 412 to PreconditionFailedError', async () => {
    const seen: (string | undefined)[] = [];
    let revision = 1;
    cloud.on('PUT', `${N}/security-groups/${SG}`, (req) => {
      const ifMatch = req.headers['if-match'] as string | undefined;
      seen.push(ifMatch);
      if (ifMatch !== undefined && ifMatch !== `revision_number=${revision}`) {
        return {
          status: 412,
          body: {
            NeutronError: {
              type: 'RevisionNumberConstraintFailed',
              message: `Constrained to 1, but current revision is ${revision}`,
              detail: '',
            },
          },
        };
      }
      revision++;
      const body = (req.json() as { security_group: Record<string, unknown> }).security_group;
      return {
        status: 200,
        body: {
          security_group: {
            ...securityGroup(SG, 'lease', PROJECT),
            ...body,
            revision_number: revision,
          },
        },
      };
    });
    const os = cloud.client();
    const updated = await os.network.securityGroups.update(SG, {
      description: 'held',
      ifMatchRevision: 1,
    });
    expect(updated).toMatchObject({ description: 'held', revisionNumber: 2 });
    const stale = await os.network.securityGroups
      .update(SG, { description: 'late', ifMatchRevision: 1 })
      .catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(PreconditionFailedError);
    expect(stale).toMatchObject({ status: 412, errorType: 'RevisionNumberConstraintFailed' });
    await expect(
      os.network.securityGroups.update(SG, { ifMatchRevision: -1, description: 'x' }),
    ).rejects.toThrow(InvalidArgumentError);
    os.close();
    expect(seen).toEqual(['revision_number=1', 'revision_number=1']);
  });

  it("finds the token project's default security group", async () => {
    cloud.on('GET', `${N}/security-groups`, () => ({
      status: 200,
      body: { security_groups: [securityGroup(SG, 'default', PROJECT)] },
    }));
    const os = cloud.client();
    const group = await os.network.securityGroups.findDefault();
    os.close();
    expect(group).toMatchObject({ id: SG, name: 'default', projectId: PROJECT });
    expect(group.rules[0]).toMatchObject({ direction: 'egress', protocol: undefined });
    const [get] = cloud.requestsTo('GET', `${N}/security-groups`);
    expect(Object.fromEntries(get.query)).toEqual({ name: 'default', project_id: PROJECT });
  });

  it('lists networks following networks_links; find by name is exact and unambiguous', async () => {
    cloud.on('GET', `${N}/networks`, (req) =>
      req.query.get('marker')
        ? { status: 200, body: { networks: [network('n3', 'dup')] } }
        : {
            status: 200,
            body: {
              networks: [network('n1', 'test'), network('n2', 'dup')],
              networks_links: [
                { rel: 'next', href: `${cloud.networkUrl}/v2.0/networks?marker=n2` },
              ],
            },
          },
    );
    const os = cloud.client();
    expect((await os.network.networks.list().toArray()).map((n) => n.id)).toEqual([
      'n1',
      'n2',
      'n3',
    ]);
    expect((await os.network.networks.find('test')).id).toBe('n1');
    await expect(os.network.networks.find('dup')).rejects.toBeInstanceOf(AmbiguousNameError);
    os.close();
  });

  it("reads Neutron's 404 body", async () => {
    cloud.on('GET', `${N}/networks/nope`, () => ({ status: 404, body: networkNotFound('nope') }));
    const os = cloud.client();
    const error = (await os.network.networks.get('nope').catch((e: unknown) => e)) as NotFoundError;
    os.close();
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toMatchObject({
      errorType: 'NetworkNotFound',
      serverMessage: 'Network nope could not be found.',
      service: 'network',
    });
  });

  it("lists a server's ports by device id", async () => {
    cloud.on('GET', `${N}/ports`, (req) => ({
      status: 200,
      body: { ports: [port('p1', req.query.get('device_id') ?? '', '10.0.0.5')] },
    }));
    const os = cloud.client();
    const ports = await os.network.ports.listByDevice('server-1');
    await expect(os.network.ports.listByDevice('')).rejects.toBeInstanceOf(InvalidArgumentError);
    os.close();
    expect(ports).toEqual([
      expect.objectContaining({
        id: 'p1',
        deviceId: 'server-1',
        fixedIps: [{ subnetId: 'a0304c3a-4f08-4c43-88af-d796509c97d2', ipAddress: '10.0.0.5' }],
      }),
    ]);
  });

  it('creates and associates a floating IP', async () => {
    cloud.on('POST', `${N}/floatingips`, () => ({
      status: 201,
      body: { floatingip: floatingIp('f1', null, null) },
    }));
    cloud.on('PUT', `${N}/floatingips/f1`, (req) => {
      const { port_id: portId } = (req.json() as { floatingip: { port_id: string | null } })
        .floatingip;
      return {
        status: 200,
        body: { floatingip: floatingIp('f1', portId, portId ? '10.0.0.5' : null) },
      };
    });
    const os = cloud.client();
    const created = await os.network.floatingIps.create({
      floatingNetworkId: '376da547-b977-4cfe-9cba-275c80debf57',
    });
    const associated = await os.network.floatingIps.associate(created.id, { portId: 'p1' });
    const released = await os.network.floatingIps.disassociate(created.id);
    os.close();
    expect(created).toMatchObject({
      id: 'f1',
      floatingIpAddress: '172.24.4.228',
      portId: undefined,
      status: 'DOWN',
    });
    expect(associated).toMatchObject({
      portId: 'p1',
      fixedIpAddress: '10.0.0.5',
      status: 'ACTIVE',
    });
    expect(released.portId).toBeUndefined();
    expect(cloud.requestsTo('PUT', `${N}/floatingips/f1`).map((r) => r.json())).toEqual([
      { floatingip: { port_id: 'p1' } },
      { floatingip: { port_id: null } },
    ]);
  });
});
