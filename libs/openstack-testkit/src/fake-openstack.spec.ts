import { request } from 'node:http';
import { parse } from 'yaml';
import { FakeOpenStack, MASK } from './index';
import {
  login,
  passwordAuthBody,
  serverBody,
  servicesOf,
  wire,
  type Json,
} from '../test-support/wire-client';

describe('FakeOpenStack harness: faults, tokens, call log', () => {
  let cloud: FakeOpenStack;
  let token: string;
  let api: ReturnType<typeof servicesOf>;

  beforeEach(async () => {
    cloud = await FakeOpenStack.start();
    token = await login(cloud);
    api = servicesOf(cloud, token);
  });
  afterEach(async () => {
    await cloud.stop();
  });

  describe('fault injection', () => {
    it('answers an injected status with the service-shaped error body, `times` times, then recovers', async () => {
      const fault = cloud.inject({
        service: 'compute',
        method: 'GET',
        path: /\/servers$/,
        status: 503,
        times: 2,
      });
      const first = await api.compute('/servers');
      expect(first.status).toBe(503);
      expect(first.json).toEqual({
        serviceUnavailable: { code: 503, message: expect.any(String) },
      });
      expect(first.headers.get('x-compute-request-id')).toMatch(/^req-/);
      expect((await api.compute('/servers')).status).toBe(503);
      expect((await api.compute('/servers')).status).toBe(200);
      expect(fault.hits).toBe(2);
      expect(cloud.callsTo('compute', 'GET', /\/servers$/).map((c) => c.fault)).toEqual([
        'status',
        'status',
        undefined,
      ]);
    });

    it('uses each service own error shape for injected statuses', async () => {
      cloud.inject({ service: 'network', status: 500, times: 1 });
      cloud.inject({ service: 'image', status: 500, times: 1 });
      cloud.inject({ service: 'identity', status: 500, times: 1 });
      expect((await api.network('/v2.0/networks')).json.NeutronError.type).toBe(
        'HTTPInternalServerError',
      );
      expect(
        (await api.image('/v2/images', { headers: { Accept: 'application/json' } })).json.code,
      ).toBe('500 Internal Server Error');
      const identity = await wire(`${cloud.authUrl}/v3/auth/tokens`, {
        method: 'POST',
        body: passwordAuthBody(cloud),
      });
      expect(identity.json.error).toMatchObject({ code: 500, title: 'Internal Server Error' });
    });

    it('can answer a custom body and headers (e.g. 429 with Retry-After) without touching state', async () => {
      cloud.inject({
        service: 'compute',
        method: 'POST',
        path: /\/servers$/,
        status: 429,
        headers: { 'Retry-After': '2' },
        body: { overLimit: { code: 429, message: 'slow down' } },
        times: 1,
      });
      const limited = await api.compute('/servers', { method: 'POST', body: serverBody(cloud) });
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toBe('2');
      expect(limited.json).toEqual({ overLimit: { code: 429, message: 'slow down' } });
      expect(cloud.state.servers.size).toBe(0);
    });

    it('delays a response by delayMs and then answers normally', async () => {
      cloud.inject({ service: 'compute', path: /\/flavors$/, delayMs: 200, times: 1 });
      const started = Date.now();
      const reply = await api.compute('/flavors');
      expect(reply.status).toBe(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(190);
      expect(cloud.callsTo('compute', 'GET', /\/flavors$/)[0].fault).toBe('delay');
    });

    it('hangs without answering until the client gives up', async () => {
      cloud.inject({ service: 'image', hang: true, times: 1 });
      await expect(api.image('/v2/images', { signal: AbortSignal.timeout(200) })).rejects.toThrow(
        /abort|timeout/i,
      );
      expect(cloud.callsTo('image')[0]).toMatchObject({ fault: 'hang', status: 0 });
      expect((await api.image('/v2/images')).status).toBe(200);
    });

    it('returns a malformed JSON body with the real status (the request still took effect)', async () => {
      cloud.inject({
        service: 'compute',
        method: 'POST',
        path: /\/servers$/,
        malformed: true,
        times: 1,
      });
      const reply = await api.compute('/servers', {
        method: 'POST',
        body: serverBody(cloud),
        microversion: '2.79',
      });
      expect(reply.status).toBe(202);
      expect(reply.headers.get('content-type')).toBe('application/json');
      expect(() => JSON.parse(reply.text)).toThrow();
      expect(cloud.state.servers.size).toBe(1);
    });

    it('drops the connection without a response', async () => {
      cloud.inject({ service: 'network', closeConnection: true, times: 1 });
      await expect(api.network('/v2.0/networks')).rejects.toThrow(/fetch failed|socket|closed/i);
      expect((await api.network('/v2.0/networks')).status).toBe(200);
    });

    it('matches on method and path, and stops when removed', async () => {
      const fault = cloud.inject({ service: 'compute', method: 'DELETE', status: 500 });
      expect((await api.compute('/flavors')).status).toBe(200);
      expect((await api.compute('/servers/x', { method: 'DELETE' })).status).toBe(500);
      fault.remove();
      expect((await api.compute('/servers/x', { method: 'DELETE' })).status).toBe(404);
      cloud.inject({ service: 'compute', status: 502 });
      cloud.clearFaults();
      expect((await api.compute('/flavors')).status).toBe(200);
    });

    it.each([
      [{ service: 'storage' }, /service must be one of/],
      [{ service: 'compute' }, /at least one effect/],
      [{ service: 'compute', status: 42 }, /status must be an HTTP status/],
      [{ service: 'compute', status: 500, times: 0 }, /times must be a positive integer/],
      [{ service: 'compute', hang: true, closeConnection: true }, /exclude each other/],
    ])('rejects an invalid rule %j with a clear message', (rule, message) => {
      expect(() => cloud.inject(rule as Json)).toThrow(message);
    });

    it('stops cleanly while a request hangs', async () => {
      cloud.inject({ service: 'compute', hang: true });
      const pending = api.compute('/servers').then(
        () => 'answered',
        (err: Error) => `failed: ${err.message}`,
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
      await cloud.stop();
      expect(await pending).toMatch(/^failed: /);
    });
  });

  describe('tokens', () => {
    it('makes every service answer 401 in its own shape once tokens expire, and accepts a fresh token', async () => {
      cloud.expireAllTokens();
      const compute = await api.compute('/servers');
      expect(compute.status).toBe(401);
      expect(compute.json).toEqual({
        error: {
          code: 401,
          title: 'Unauthorized',
          message: 'The request you have made requires authentication.',
        },
      });
      expect(compute.headers.get('www-authenticate')).toBe(`Keystone uri="${cloud.authUrl}"`);
      // keystonemiddleware's 401: no charset, unlike Nova's own faults (captures/nova/03-no-token.txt).
      expect(compute.headers.get('content-type')).toBe('application/json');
      expect((await api.network('/v2.0/networks')).status).toBe(401);
      expect(
        (await api.image('/v2/images', { headers: { Accept: 'application/json' } })).json.title,
      ).toBe('Unauthorized');
      const fresh = servicesOf(cloud, await login(cloud));
      expect((await fresh.compute('/servers')).status).toBe(200);
    });

    it('rejects a made-up token', async () => {
      expect(
        (await wire(`${cloud.endpoints.compute}/servers`, { token: 'gAAAAABnot-a-real-token' }))
          .status,
      ).toBe(401);
    });
  });

  describe('call log', () => {
    it('records every call with status and query, masking tokens and secrets', async () => {
      await api.compute('/servers?name=abc&limit=5');
      await wire(`${cloud.authUrl}/v3/auth/tokens`, {
        method: 'POST',
        body: passwordAuthBody(cloud),
      });
      const serverCall = cloud.callsTo('compute', 'GET', /\/servers$/)[0];
      expect(serverCall).toMatchObject({
        service: 'compute',
        method: 'GET',
        path: '/compute/v2.1/servers',
        query: { name: 'abc', limit: '5' },
        status: 200,
      });
      expect(serverCall.headers['x-auth-token']).toBe(MASK);
      expect(serverCall.at).toBeInstanceOf(Date);
      const authCalls = cloud.callsTo('identity', 'POST', /auth\/tokens$/);
      expect(authCalls).toHaveLength(2);
      expect(authCalls[1].body).toMatchObject({
        auth: { identity: { password: { user: { password: MASK } } } },
      });
      const everything = JSON.stringify(cloud.calls);
      expect(everything).not.toContain(token);
      expect(everything).not.toContain(cloud.credentials.password);
    });

    it('records unknown paths and can be cleared', async () => {
      await wire(`${new URL(cloud.authUrl).origin}/nowhere`);
      expect(cloud.calls.at(-1)).toMatchObject({ service: 'unknown', status: 404 });
      cloud.clearCalls();
      expect(cloud.calls).toHaveLength(0);
    });
  });

  it('puts a request id on every service response and the compute id in both headers', async () => {
    const replies = [
      await api.compute('/flavors'),
      await api.image('/v2/images'),
      await api.network('/v2.0/networks'),
      await wire(`${cloud.authUrl}/v3`),
    ];
    for (const reply of replies)
      expect(reply.headers.get('x-openstack-request-id')).toMatch(/^req-[0-9a-f-]{36}$/);
    expect(replies[0].headers.get('x-compute-request-id')).toBe(
      replies[0].headers.get('x-openstack-request-id'),
    );
  });

  it('renders a clouds.yaml that parses to the credentials', () => {
    const parsed = parse(cloud.cloudsYaml('fake'));
    expect(parsed.clouds.fake).toEqual({
      auth: {
        auth_url: cloud.authUrl,
        username: 'demo',
        password: cloud.credentials.password,
        project_name: 'demo',
        user_domain_name: 'Default',
        project_domain_name: 'Default',
      },
      region_name: 'RegionOne',
      interface: 'public',
      identity_api_version: 3,
    });
  });

  it('answers requests sent over a keep-alive agent by a plain node:http client', async () => {
    const body = await new Promise<string>((resolve, reject) => {
      const req = request(
        `${cloud.endpoints.compute}/flavors`,
        { headers: { 'X-Auth-Token': token } },
        (res) => {
          let text = '';
          res.on('data', (chunk) => (text += chunk));
          res.on('end', () => resolve(text));
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(JSON.parse(body).flavors).toHaveLength(2);
  });
});
