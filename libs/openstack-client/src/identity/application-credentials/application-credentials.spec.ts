import { inspect } from 'node:util';
import { FakeOpenStack } from '@osa/openstack-testkit';
import { ForbiddenError, InvalidArgumentError } from '../../common/errors';
import { OpenStackClient } from '../../client';

const RULES = [
  { service: 'compute', method: 'GET' as const, path: '/v2.1/servers/**' },
  { service: 'compute', method: 'POST' as const, path: '/v2.1/servers' },
];

describe('identity: application credentials (against the testkit Keystone)', () => {
  let cloud: FakeOpenStack;
  let client: OpenStackClient;
  beforeEach(async () => {
    cloud = await FakeOpenStack.start();
    client = OpenStackClient.fromEnvironment({
      env: cloud.openrcEnv(),
      cwd: '/nonexistent',
      homeDir: '/nonexistent',
    });
  });
  afterEach(async () => {
    client.close();
    await cloud.stop();
  });

  it('creates one restricted to the project with roles and access rules; the secret is returned once, as a Secret', async () => {
    const created = await client.identity.applicationCredentials.create('osa-controller', {
      description: 'controller VM',
      roles: ['member'],
      accessRules: RULES,
    });
    const [post] = cloud.callsTo('identity', 'POST', /\/application_credentials$/);
    expect(post.path).toBe(
      `/identity/v3/users/${cloud.credentials.userId}/application_credentials`,
    );
    expect(post.body).toEqual({
      application_credential: {
        name: 'osa-controller',
        unrestricted: false,
        description: 'controller VM',
        roles: [{ name: 'member' }],
        access_rules: RULES,
      },
    });
    expect(created).toMatchObject({
      name: 'osa-controller',
      projectId: cloud.credentials.projectId,
      unrestricted: false,
      roles: [{ name: 'member' }],
      accessRules: RULES.map((r) => expect.objectContaining(r)),
    });
    const secret = cloud.applicationCredentials()[0].secret;
    expect(created.secret.reveal()).toBe(secret);
    expect(
      `${JSON.stringify(created)} ${inspect(created)} ${String(created.secret)}`,
    ).not.toContain(secret);

    // Listing and reading never carry the secret; the name filter is exact.
    const listed = await client.identity.applicationCredentials
      .list({ name: 'osa-controller' })
      .toArray();
    expect(listed.map((c) => c.id)).toEqual([created.id]);
    expect(await client.identity.applicationCredentials.list({ name: 'other' }).toArray()).toEqual(
      [],
    );
    expect((await client.identity.applicationCredentials.get(created.id)).name).toBe(
      'osa-controller',
    );

    // It authenticates on its own: a token for the same project, with only the delegated role.
    const appClient = new OpenStackClient({
      auth: {
        type: 'v3applicationcredential',
        authUrl: cloud.authUrl,
        applicationCredentialId: created.id,
        applicationCredentialSecret: created.secret,
      },
    });
    const token = await appClient.identity.token();
    expect([token.projectId, token.roles, token.methods]).toEqual([
      cloud.credentials.projectId,
      ['member'],
      ['application_credential'],
    ]);
    // A restricted credential may not make more credentials (Keystone's 403).
    await expect(appClient.identity.applicationCredentials.create('more')).rejects.toBeInstanceOf(
      ForbiddenError,
    );
    appClient.close();

    expect(await client.identity.applicationCredentials.delete(created.id)).toBe(true);
    expect(await client.identity.applicationCredentials.delete(created.id)).toBe(false);
    expect(cloud.applicationCredentials()).toEqual([]);
  });

  it.each([
    ['enforced', [200, 401]],
    ['unsupported', [401, 401]],
  ] as const)(
    'a token of a credential with access rules, services %s: the allowed call, then one outside the rules',
    async (mode, [allowed, outside]) => {
      cloud.accessRules = mode;
      const created = await client.identity.applicationCredentials.create('limited', {
        accessRules: [{ service: 'compute', method: 'GET', path: '/v2.1/servers/**' }],
      });
      const limited = new OpenStackClient({
        auth: {
          type: 'v3applicationcredential',
          authUrl: cloud.authUrl,
          applicationCredentialId: created.id,
          applicationCredentialSecret: created.secret,
        },
        retry: { maxRetries: 0 },
      });
      const status = (call: Promise<unknown>): Promise<number> =>
        call.then(
          () => 200,
          (err: { status?: number }) => err.status ?? 0,
        );
      expect([
        await status(limited.compute.servers.list().toArray()),
        await status(limited.image.images.list().toArray()),
      ]).toEqual([allowed, outside]);
      limited.close();
    },
  );

  it('refuses a bad name or access rule before any call', async () => {
    await expect(client.identity.applicationCredentials.create('')).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
    await expect(
      client.identity.applicationCredentials.create('x', {
        accessRules: [{ service: 'compute', method: 'FETCH' as 'GET', path: 'servers' }],
      }),
    ).rejects.toThrow(/accessRules\[0\]/);
    expect(cloud.callsTo('identity', 'POST', /application_credentials/)).toEqual([]);
  });
});
