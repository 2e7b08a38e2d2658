import { inspect } from 'node:util';
import { LoopbackCloud, TEST_PASSWORD } from '../../test-support/loopback-cloud';
import {
  computeFault,
  conflictingRequest,
  itemNotFound,
  policyForbidden,
  quotaExceededForbidden,
} from '../compute/__fixtures__/nova-faults.fixture';
import {
  serverGetRespV271,
  SERVER_ID,
} from '../compute/servers/__fixtures__/server-get-resp.v2-71.fixture';
import {
  ConflictError,
  ConnectionFailedError,
  EndpointNotFoundError,
  ForbiddenError,
  MalformedResponseError,
  NotFoundError,
  QuotaExceededError,
  RateLimitedError,
  RequestTimeoutError,
  ServiceUnavailableError,
  UnauthorizedError,
} from '../common/errors';
import { OpenStackClient } from '../client';
import type { ClientEvent } from './session-types';

const SERVER_PATH = `/compute/v2.1/servers/${SERVER_ID}`;

describe('Session against a loopback Keystone + Nova', () => {
  let cloud: LoopbackCloud;
  beforeEach(async () => {
    cloud = await LoopbackCloud.start();
  });
  afterEach(async () => {
    await cloud.close();
  });

  it('authenticates once with a project-scoped password body and reuses the token', async () => {
    cloud.on('GET', SERVER_PATH, () => ({ status: 200, body: serverGetRespV271() }));
    const os = cloud.client();
    await os.compute.servers.get(SERVER_ID);
    await os.compute.servers.get(SERVER_ID);
    os.close();

    expect(cloud.tokenRequests()).toHaveLength(1);
    expect(cloud.tokenRequests()[0].json()).toEqual({
      auth: {
        identity: {
          methods: ['password'],
          password: {
            user: { name: 'admin', domain: { name: 'Default' }, password: TEST_PASSWORD },
          },
        },
        scope: { project: { name: 'admin', domain: { name: 'Default' } } },
      },
    });
    const gets = cloud.requestsTo('GET', SERVER_PATH);
    expect(gets).toHaveLength(2);
    expect(gets.every((r) => r.headers['x-auth-token'] === cloud.issuedTokens[0])).toBe(true);
  });

  it('on a 401 re-authenticates once and replays the request', async () => {
    cloud.on('GET', SERVER_PATH, () => ({ status: 200, body: serverGetRespV271() }));
    const os = cloud.client();
    await os.compute.servers.get(SERVER_ID);
    cloud.revokeTokens();

    const server = await os.compute.servers.get(SERVER_ID);
    os.close();

    expect(server.id).toBe(SERVER_ID);
    expect(cloud.tokenRequests()).toHaveLength(2);
    const gets = cloud.requestsTo('GET', SERVER_PATH);
    expect(gets.map((r) => r.headers['x-auth-token'])).toEqual([
      cloud.issuedTokens[0],
      cloud.issuedTokens[0],
      cloud.issuedTokens[1],
    ]);
  });

  it('gives up with UnauthorizedError when the fresh token is refused too (exactly one re-auth)', async () => {
    cloud.on('GET', SERVER_PATH, () => ({
      status: 401,
      body: {
        error: {
          code: 401,
          title: 'Unauthorized',
          message: 'The request you have made requires authentication.',
        },
      },
    }));
    const os = cloud.client();
    const error = await os.compute.servers.get(SERVER_ID).catch((e: unknown) => e);
    os.close();

    expect(error).toBeInstanceOf(UnauthorizedError);
    expect(cloud.tokenRequests()).toHaveLength(2);
    expect(cloud.requestsTo('GET', SERVER_PATH)).toHaveLength(2);
  });

  it('concurrent callers that all hit a 401 share one re-authentication', async () => {
    cloud.on('GET', SERVER_PATH, () => ({ status: 200, body: serverGetRespV271(), delayMs: 20 }));
    const os = cloud.client();
    await os.compute.servers.get(SERVER_ID);
    cloud.revokeTokens();

    const results = await Promise.all(
      Array.from({ length: 12 }, () => os.compute.servers.get(SERVER_ID)),
    );
    os.close();

    expect(results.map((s) => s.id)).toEqual(Array(12).fill(SERVER_ID));
    expect(cloud.tokenRequests()).toHaveLength(2);
  });

  it('concurrent first requests share one authentication', async () => {
    cloud.on('GET', SERVER_PATH, () => ({ status: 200, body: serverGetRespV271() }));
    const os = cloud.client();
    await Promise.all(Array.from({ length: 8 }, () => os.compute.servers.get(SERVER_ID)));
    os.close();
    expect(cloud.tokenRequests()).toHaveLength(1);
  });

  it('renews a token shortly before expires_at, without waiting for a 401', async () => {
    // Long enough that a loaded machine cannot make the first token look near expiry already.
    cloud.tokenTtlMs = 3_000;
    cloud.on('GET', SERVER_PATH, () => ({ status: 200, body: serverGetRespV271() }));
    const events: ClientEvent[] = [];
    const os = cloud.client({ tokenRenewalMarginMs: 2_000, logger: (e) => events.push(e) });
    await os.compute.servers.get(SERVER_ID);
    expect(cloud.tokenRequests()).toHaveLength(1);
    // Margin is capped at half the lifetime (1.5 s): after 1.6 s the token is "near expiry".
    await new Promise((r) => setTimeout(r, 1_600));
    await os.compute.servers.get(SERVER_ID);
    os.close();

    expect(cloud.tokenRequests()).toHaveLength(2);
    expect(events.some((e) => e.type === 'auth' && e.action === 'renewing-before-expiry')).toBe(
      true,
    );
    // No request was refused: the renewal happened before sending.
    expect(cloud.requestsTo('GET', SERVER_PATH).map((r) => r.headers['x-auth-token'])).toEqual([
      cloud.issuedTokens[0],
      cloud.issuedTokens[1],
    ]);
  });

  it('a wrong password fails with UnauthorizedError naming Keystone, without the password', async () => {
    const os = cloud.client({
      auth: {
        authUrl: cloud.authUrl,
        username: 'admin',
        password: 'wrong-password-123',
        projectName: 'admin',
      },
    });
    const error = (await os.identity.token().catch((e: unknown) => e)) as UnauthorizedError;
    os.close();
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect(error.service).toBe('identity');
    expect(error.serverMessage).toBe('The request you have made requires authentication.');
    expect(error.message).toContain('/identity/v3/auth/tokens -> 401');
    expect(`${error.message} ${JSON.stringify(error)} ${inspect(error)}`).not.toContain(
      'wrong-password-123',
    );
  });

  it('maps a Nova 409 to ConflictError with status, method, URL, request id and Nova message', async () => {
    cloud.on('POST', `${SERVER_PATH}/action`, () => ({
      status: 409,
      body: conflictingRequest(SERVER_ID),
      headers: {
        'x-openstack-request-id': 'req-9f1',
        'x-compute-request-id': 'req-9f1',
        'content-type': 'application/json; charset=UTF-8',
      },
    }));
    const os = cloud.client();
    const error = (await os.compute.servers
      .createImage(SERVER_ID, { name: 'snap' })
      .catch((e: unknown) => e)) as ConflictError;
    os.close();

    expect(error).toBeInstanceOf(ConflictError);
    expect(error).toMatchObject({
      status: 409,
      service: 'compute',
      method: 'POST',
      url: `${cloud.computeUrl}/servers/${SERVER_ID}/action`,
      requestId: 'req-9f1',
      errorType: 'conflictingRequest',
      serverMessage: `Cannot 'createImage' instance ${SERVER_ID} while it is in task_state image_snapshot`,
    });
  });

  it('takes the request id from x-compute-request-id when that is the only one', async () => {
    cloud.on('GET', SERVER_PATH, () => ({
      status: 404,
      body: itemNotFound(SERVER_ID),
      headers: { 'x-openstack-request-id': '', 'x-compute-request-id': 'req-compute-only' },
    }));
    const os = cloud.client();
    const error = (await os.compute.servers
      .get(SERVER_ID)
      .catch((e: unknown) => e)) as NotFoundError;
    os.close();
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error.requestId).toBe('req-compute-only');
  });

  it("tells Nova's quota 403 (QuotaExceededError) from a policy 403 (ForbiddenError)", async () => {
    cloud.once('POST', '/compute/v2.1/servers', () => ({
      status: 403,
      body: quotaExceededForbidden,
    }));
    cloud.once('POST', '/compute/v2.1/servers', () => ({ status: 403, body: policyForbidden }));
    const os = cloud.client();
    const create = () =>
      os.compute.servers
        .create({ name: 'q', imageId: 'img', flavorId: '1', networks: 'none' })
        .catch((e: unknown) => e);
    const first = await create();
    const second = await create();
    os.close();
    // `once` routes are newest-first: the policy answer comes first.
    expect(first).toBeInstanceOf(ForbiddenError);
    expect(first).not.toBeInstanceOf(QuotaExceededError);
    expect(second).toBeInstanceOf(QuotaExceededError);
    expect((second as QuotaExceededError).serverMessage).toMatch(/^Quota exceeded for instances/);
  });

  it('retries a GET on 5xx with backoff and succeeds', async () => {
    cloud.on('GET', SERVER_PATH, () => ({ status: 200, body: serverGetRespV271() }));
    cloud.once('GET', SERVER_PATH, () => ({ status: 500, body: computeFault }));
    cloud.once('GET', SERVER_PATH, () => ({
      status: 503,
      body: 'Service Unavailable',
      headers: { 'content-type': 'text/plain' },
    }));
    const events: ClientEvent[] = [];
    const os = cloud.client({ logger: (e) => events.push(e) });
    const server = await os.compute.servers.get(SERVER_ID);
    os.close();

    expect(server.id).toBe(SERVER_ID);
    expect(cloud.requestsTo('GET', SERVER_PATH)).toHaveLength(3);
    expect(events.filter((e) => e.type === 'retry')).toHaveLength(2);
  });

  it('stops retrying a GET after maxRetries and reports the last 5xx', async () => {
    cloud.on('GET', SERVER_PATH, () => ({
      status: 503,
      body: 'Service Unavailable',
      headers: { 'content-type': 'text/plain' },
    }));
    const os = cloud.client({ retry: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 5 } });
    const error = await os.compute.servers.get(SERVER_ID).catch((e: unknown) => e);
    os.close();
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect(cloud.requestsTo('GET', SERVER_PATH)).toHaveLength(3);
  });

  it.each([
    [503, {}],
    [429, { 'retry-after': '0' }],
  ])(
    'a Keystone %i is retried by the token request alone, not again by the request that needed the token',
    async (status, extraHeaders) => {
      cloud.on('POST', '/identity/v3/auth/tokens', () => ({
        status,
        body: 'Unavailable',
        headers: { 'content-type': 'text/plain', ...extraHeaders },
      }));
      const os = cloud.client({ retry: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 5 } });
      const error = await os.compute.servers.get(SERVER_ID).catch((e: unknown) => e);
      os.close();
      expect(error).toBeInstanceOf(status === 429 ? RateLimitedError : ServiceUnavailableError);
      expect(cloud.tokenRequests()).toHaveLength(3); // 1 + maxRetries, not (1 + maxRetries) squared
      expect(cloud.requestsTo('GET', SERVER_PATH)).toHaveLength(0);
    },
  );

  it('never retries a POST on 5xx (a create could have happened)', async () => {
    cloud.on('POST', '/compute/v2.1/servers', () => ({
      status: 503,
      body: 'Service Unavailable',
      headers: { 'content-type': 'text/plain' },
    }));
    const os = cloud.client();
    const error = await os.compute.servers
      .create({ name: 'x', imageId: 'i', flavorId: '1', networks: 'none' })
      .catch((e: unknown) => e);
    os.close();
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect(cloud.requestsTo('POST', '/compute/v2.1/servers')).toHaveLength(1);
  });

  it('honours Retry-After on 429 before retrying', async () => {
    cloud.on('GET', SERVER_PATH, () => ({ status: 200, body: serverGetRespV271() }));
    cloud.once('GET', SERVER_PATH, () => ({
      status: 429,
      body: { overLimit: { code: 429, message: 'Rate limit exceeded' } },
      headers: { 'retry-after': '1' },
    }));
    const os = cloud.client({ retry: { maxRetries: 3, baseDelayMs: 1, maxDelayMs: 5_000 } });
    await os.compute.servers.get(SERVER_ID);
    os.close();
    const [limited, retried] = cloud.requestsTo('GET', SERVER_PATH);
    expect(retried.at - limited.at).toBeGreaterThanOrEqual(950);
  });

  it('fails at once with RateLimitedError when Retry-After is beyond the retry cap', async () => {
    cloud.on('GET', SERVER_PATH, () => ({
      status: 429,
      body: { overLimit: { code: 429, message: 'Rate limit exceeded' } },
      headers: { 'retry-after': '120' },
    }));
    const os = cloud.client();
    const error = (await os.compute.servers
      .get(SERVER_ID)
      .catch((e: unknown) => e)) as RateLimitedError;
    os.close();
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error.retryAfterMs).toBe(120_000);
    expect(cloud.requestsTo('GET', SERVER_PATH)).toHaveLength(1);
  });

  it('reports a body that is not JSON as MalformedResponseError', async () => {
    cloud.on('GET', SERVER_PATH, () => ({
      status: 200,
      body: '<html>proxy says hi</html>',
      headers: { 'content-type': 'text/html' },
    }));
    const os = cloud.client();
    const error = (await os.compute.servers
      .get(SERVER_ID)
      .catch((e: unknown) => e)) as MalformedResponseError;
    os.close();
    expect(error).toBeInstanceOf(MalformedResponseError);
    expect(error.reason).toContain('body is not JSON');
    expect(error.status).toBe(200);
  });

  it('reports JSON of the wrong shape as MalformedResponseError naming the field', async () => {
    const body = serverGetRespV271();
    delete (body.server as Record<string, unknown>)['status'];
    cloud.on('GET', SERVER_PATH, () => ({ status: 200, body }));
    const os = cloud.client();
    const error = (await os.compute.servers
      .get(SERVER_ID)
      .catch((e: unknown) => e)) as MalformedResponseError;
    os.close();
    expect(error).toBeInstanceOf(MalformedResponseError);
    expect(error.reason).toBe('server.status should be a string, got nothing');
  });

  it('times out a request that gets no answer; a GET is retried, a POST is not', async () => {
    cloud.on('GET', SERVER_PATH, () => ({ status: 200, hang: true }));
    cloud.on('POST', '/compute/v2.1/servers', () => ({ status: 202, hang: true }));
    const os = cloud.client({
      timeoutMs: 200,
      retry: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 5 },
    });
    const getError = (await os.compute.servers
      .get(SERVER_ID)
      .catch((e: unknown) => e)) as RequestTimeoutError;
    const postError = await os.compute.servers
      .create({ name: 'x', imageId: 'i', flavorId: '1', networks: 'none' })
      .catch((e: unknown) => e);
    os.close();
    expect(getError).toBeInstanceOf(RequestTimeoutError);
    expect(getError.timeoutMs).toBe(200);
    expect(cloud.requestsTo('GET', SERVER_PATH)).toHaveLength(3);
    expect(postError).toBeInstanceOf(RequestTimeoutError);
    expect(cloud.requestsTo('POST', '/compute/v2.1/servers')).toHaveLength(1);
  });

  it('retries a GET after the connection is dropped', async () => {
    cloud.on('GET', SERVER_PATH, () => ({ status: 200, body: serverGetRespV271() }));
    cloud.once('GET', SERVER_PATH, () => ({ status: 0, destroy: true }));
    const os = cloud.client();
    const server = await os.compute.servers.get(SERVER_ID);
    os.close();
    expect(server.id).toBe(SERVER_ID);
    expect(cloud.requestsTo('GET', SERVER_PATH)).toHaveLength(2);
  });

  it('reports a refused connection as ConnectionFailedError', async () => {
    const port = Number(new URL(cloud.baseUrl).port);
    await cloud.close();
    const os = new OpenStackClient({
      auth: {
        authUrl: `http://127.0.0.1:${port}/identity/v3`,
        username: 'u',
        password: 'p',
        projectName: 'p',
      },
      retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 2 },
    });
    const error = (await os.identity.token().catch((e: unknown) => e)) as ConnectionFailedError;
    os.close();
    expect(error).toBeInstanceOf(ConnectionFailedError);
    expect(error.code).toBe('ECONNREFUSED');
    cloud = await LoopbackCloud.start(); // for afterEach
  });

  it('lists what the catalog offers when no endpoint matches', async () => {
    const os = cloud.client({ regionName: 'RegionTwo' });
    const error = (await os.compute.servers
      .get(SERVER_ID)
      .catch((e: unknown) => e)) as EndpointNotFoundError;
    os.close();
    expect(error).toBeInstanceOf(EndpointNotFoundError);
    expect(error.message).toContain(
      'no compute endpoint with interface public in region RegionTwo',
    );
    expect(error.message).toContain('compute/public@RegionOne');
    expect(error.message).toContain('network/internal@RegionOne');
    expect(error.available.length).toBe(12);
  });

  it('picks the endpoint for the configured interface', async () => {
    const os = cloud.client({ interface: 'internal' });
    await expect(os.identity.endpointFor('image')).resolves.toBe(cloud.imageUrl);
    const catalog = await os.identity.catalog();
    os.close();
    expect(catalog.map((s) => s.type).sort()).toEqual(['compute', 'identity', 'image', 'network']);
  });

  it('never puts the password or token into events, errors, toString or JSON', async () => {
    cloud.on('GET', SERVER_PATH, () => ({ status: 404, body: itemNotFound(SERVER_ID) }));
    const events: ClientEvent[] = [];
    const os = cloud.client({ logger: (e) => events.push(e) });
    const token = await os.identity.token();
    const error = await os.compute.servers.get(SERVER_ID).catch((e: unknown) => e);
    const everything = [
      JSON.stringify(events),
      String(error),
      JSON.stringify(error),
      inspect(error, { depth: 10 }),
      String(os),
      JSON.stringify(os),
      inspect(os, { depth: 10 }),
      JSON.stringify(token),
      inspect(token, { depth: 10 }),
      inspect(os.session.options, { depth: 10 }),
      JSON.stringify(os.session.options),
    ].join('\n');
    os.close();
    expect(everything).not.toContain(TEST_PASSWORD);
    expect(everything).not.toContain(cloud.issuedTokens[0]);
    expect(token.value.reveal()).toBe(cloud.issuedTokens[0]);
  });
});
