import { FakeOpenStack } from '../index';
import { login, passwordAuthBody, wire, type Json } from '../../test-support/wire-client';

describe('fake Keystone v3', () => {
  let cloud: FakeOpenStack;

  beforeEach(async () => {
    cloud = await FakeOpenStack.start();
  });
  afterEach(async () => {
    await cloud.stop();
  });

  it('listens on an ephemeral loopback port and exposes the auth URL without /v3', () => {
    expect(cloud.authUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/identity$/);
    expect(cloud.credentials.authUrl).toBe(cloud.authUrl);
    const port = Number(new URL(cloud.authUrl).port);
    expect([5000, 8774, 9292, 9696]).not.toContain(port);
  });

  it('answers version discovery at / with 300 and a Location, and /v3 with the version document', async () => {
    const root = await wire(`${cloud.authUrl}/`);
    expect(root.status).toBe(300);
    expect(root.headers.get('location')).toBe(`${cloud.authUrl}/v3/`);
    expect(root.json.versions.values[0]).toMatchObject({ id: 'v3.14', status: 'stable' });
    const v3 = await wire(`${cloud.authUrl}/v3`);
    expect(v3.status).toBe(200);
    expect(v3.json.version.links[0].href).toBe(`${cloud.authUrl}/v3/`);
    expect(v3.headers.get('x-openstack-request-id')).toMatch(/^req-[0-9a-f-]{36}$/);
  });

  it('issues a project-scoped token (by project name + domain) with a catalog of every interface', async () => {
    const before = Date.now();
    const reply = await wire(`${cloud.authUrl}/v3/auth/tokens`, {
      method: 'POST',
      body: passwordAuthBody(cloud),
    });
    expect(reply.status).toBe(201);
    expect(reply.headers.get('x-subject-token')).toMatch(/^gAAAAAB/);
    const token = reply.json.token;
    expect(token.methods).toEqual(['password']);
    expect(token.project).toEqual({
      domain: { id: 'default', name: 'Default' },
      id: cloud.credentials.projectId,
      name: cloud.credentials.projectName,
    });
    expect(token.user.id).toBe(cloud.credentials.userId);
    expect(token.expires_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(Date.parse(token.expires_at)).toBeGreaterThan(before + 23 * 3600_000);
    const types = token.catalog.map((entry: { type: string }) => entry.type).sort();
    expect(types).toEqual(['compute', 'identity', 'image', 'load-balancer', 'network']);
    const compute = token.catalog.find((entry: { type: string }) => entry.type === 'compute');
    expect(compute.endpoints.map((e: { interface: string }) => e.interface).sort()).toEqual([
      'admin',
      'internal',
      'public',
    ]);
    expect(compute.endpoints[0]).toMatchObject({
      region: 'RegionOne',
      region_id: 'RegionOne',
      url: cloud.endpoints.compute,
    });
  });

  it('accepts user id + project id, and the auth URL with /v3 in it', async () => {
    const c = cloud.credentials;
    const reply = await wire(`${cloud.authUrl}/v3/auth/tokens`, {
      method: 'POST',
      body: {
        auth: {
          identity: {
            methods: ['password'],
            password: { user: { id: c.userId, password: c.password } },
          },
          scope: { project: { id: c.projectId } },
        },
      },
    });
    expect(reply.status).toBe(201);
    expect(reply.json.token.project.id).toBe(c.projectId);
  });

  it('authenticates an application credential by id, and by name + user', async () => {
    const c = cloud.credentials;
    const byId = await wire(`${cloud.authUrl}/v3/auth/tokens`, {
      method: 'POST',
      body: {
        auth: {
          identity: {
            methods: ['application_credential'],
            application_credential: {
              id: c.applicationCredentialId,
              secret: c.applicationCredentialSecret,
            },
          },
        },
      },
    });
    expect(byId.status).toBe(201);
    expect(byId.json.token.methods).toEqual(['application_credential']);
    expect(byId.json.token.application_credential.id).toBe(c.applicationCredentialId);
    const byName = await wire(`${cloud.authUrl}/v3/auth/tokens`, {
      method: 'POST',
      body: {
        auth: {
          identity: {
            methods: ['application_credential'],
            application_credential: {
              name: c.applicationCredentialName,
              user: { name: c.username, domain: { name: 'Default' } },
              secret: c.applicationCredentialSecret,
            },
          },
        },
      },
    });
    expect(byName.status).toBe(201);
  });

  it.each([
    ['wrong password', (b: Json) => (b.auth.identity.password.user.password = 'nope')],
    ['unknown user', (b: Json) => (b.auth.identity.password.user.name = 'mallory')],
    ['wrong user domain', (b: Json) => (b.auth.identity.password.user.domain = { name: 'Other' })],
    ['unknown project', (b: Json) => (b.auth.scope.project.name = 'nope')],
  ])('answers 401 with the Keystone error body for a %s', async (_label, mutate) => {
    const body: Json = passwordAuthBody(cloud);
    mutate(body);
    const reply = await wire(`${cloud.authUrl}/v3/auth/tokens`, { method: 'POST', body });
    expect(reply.status).toBe(401);
    expect(reply.json).toEqual({
      error: {
        code: 401,
        message: 'The request you have made requires authentication.',
        title: 'Unauthorized',
      },
    });
    expect(reply.headers.get('x-subject-token')).toBeNull();
    expect(reply.headers.get('www-authenticate')).toBe(`Keystone uri="${cloud.authUrl}/v3"`);
  });

  it('rejects a body without identity with 400', async () => {
    const reply = await wire(`${cloud.authUrl}/v3/auth/tokens`, {
      method: 'POST',
      body: { auth: {} },
    });
    expect(reply.status).toBe(400);
    expect(reply.json.error).toMatchObject({ code: 400, title: 'Bad Request' });
    expect(reply.json.error.message).toContain("'identity' is a required property");
  });

  it('validates tokens (GET /v3/auth/tokens) and stops honouring them after expireAllTokens()', async () => {
    const token = await login(cloud);
    const ok = await wire(`${cloud.authUrl}/v3/auth/tokens`, {
      token,
      headers: { 'X-Subject-Token': token },
    });
    expect(ok.status).toBe(200);
    expect(ok.json.token.project.id).toBe(cloud.credentials.projectId);
    cloud.expireAllTokens();
    const expired = await wire(`${cloud.authUrl}/v3/auth/tokens`, {
      token,
      headers: { 'X-Subject-Token': token },
    });
    expect(expired.status).toBe(401);
    const fresh = await login(cloud);
    expect(fresh).not.toBe(token);
    expect(cloud.tokensIssued).toBe(2);
  });

  it('expires tokens after tokenTtlMs', async () => {
    const shortLived = await FakeOpenStack.start({ tokenTtlMs: 150 });
    try {
      const token = await login(shortLived);
      const url = `${shortLived.authUrl}/v3/auth/tokens`;
      expect((await wire(url, { token, headers: { 'X-Subject-Token': token } })).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 250));
      expect((await wire(url, { token, headers: { 'X-Subject-Token': token } })).status).toBe(401);
    } finally {
      await shortLived.stop();
    }
  });

  it('renders clouds.yaml and openrc variables for its credentials', () => {
    const yaml = cloud.cloudsYaml('mycloud');
    expect(yaml).toContain('"mycloud":');
    expect(yaml).toContain(`auth_url: "${cloud.authUrl}"`);
    expect(yaml).toContain(`password: "${cloud.credentials.password}"`);
    expect(cloud.cloudsYaml('x', { auth: 'application_credential' })).toContain(
      `application_credential_id: "${cloud.credentials.applicationCredentialId}"`,
    );
    expect(cloud.openrcEnv()).toEqual({
      OS_AUTH_URL: cloud.authUrl,
      OS_USERNAME: 'demo',
      OS_PASSWORD: cloud.credentials.password,
      OS_PROJECT_NAME: 'demo',
      OS_USER_DOMAIN_NAME: 'Default',
      OS_PROJECT_DOMAIN_NAME: 'Default',
      OS_REGION_NAME: 'RegionOne',
      OS_INTERFACE: 'public',
      OS_IDENTITY_API_VERSION: '3',
    });
  });

  it('has a cloud admin (user admin, project admin, role admin) with its own clouds.yaml and openrc', async () => {
    const admin = cloud.adminCredentials;
    expect(admin).toMatchObject({
      username: 'admin',
      projectName: 'admin',
      authUrl: cloud.authUrl,
    });
    expect(admin.password).not.toBe(cloud.credentials.password);
    // The admin project owns the seeded image, as on the devcloud.
    const ubuntu = [...cloud.state.images.values()].find((i) => i.name === 'ubuntu');
    expect(ubuntu?.owner).toBe(admin.projectId);
    const reply = await wire(`${cloud.authUrl}/v3/auth/tokens`, {
      method: 'POST',
      body: passwordAuthBody(cloud, 'admin'),
    });
    expect(reply.status).toBe(201);
    expect(reply.json.token.user.name).toBe('admin');
    expect(reply.json.token.project).toMatchObject({ id: admin.projectId, name: 'admin' });
    expect(reply.json.token.roles.map((r: Json) => r.name).sort()).toEqual([
      'admin',
      'member',
      'reader',
    ]);
    const validated = await wire(`${cloud.authUrl}/v3/auth/tokens`, {
      token: await login(cloud),
      headers: { 'X-Subject-Token': reply.headers.get('x-subject-token') ?? '' },
    });
    expect(validated.json.token.user.name).toBe('admin');
    // The member's password does not open the admin account.
    const mixed = passwordAuthBody(cloud, 'admin') as Json;
    mixed.auth.identity.password.user.password = cloud.credentials.password;
    expect(
      (await wire(`${cloud.authUrl}/v3/auth/tokens`, { method: 'POST', body: mixed })).status,
    ).toBe(401);
    expect(cloud.openrcEnv({ user: 'admin' })).toMatchObject({
      OS_USERNAME: 'admin',
      OS_PASSWORD: admin.password,
      OS_PROJECT_NAME: 'admin',
    });
    expect(cloud.cloudsYaml('fake-admin', { user: 'admin' })).toContain(
      `password: "${admin.password}"`,
    );
    expect(() => cloud.cloudsYaml('x', { user: 'admin', auth: 'application_credential' })).toThrow(
      "cloudsYaml(): the admin user has no application credential; use auth: 'password'",
    );
  });

  it('refuses a non-loopback host', async () => {
    await expect(FakeOpenStack.start({ host: '0.0.0.0' })).rejects.toThrow(/loopback/);
  });
});
