import { LoopbackCloud, type SeenRequest } from '../../../test-support/loopback-cloud';
import {
  InvalidArgumentError,
  MicroversionNotSupportedError,
  ResourceGoneError,
  ServerFaultError,
  WaitAbortedError,
  WaitTimeoutError,
} from '../../common/errors';
import type { WaitProgress } from '../../common/wait';
import { itemNotFound } from '../__fixtures__/nova-faults.fixture';
import { createImageRespV245, serverCreateResp } from './__fixtures__/server-create-resp.fixture';
import { serverGetRespV21 } from './__fixtures__/server-get-resp.v2-1.fixture';
import {
  serverGetBuildRespV271,
  serverGetErrorRespV271,
  serverGetRespV271,
  SERVER_ID,
} from './__fixtures__/server-get-resp.v2-71.fixture';
import { serversDetailsResp } from './__fixtures__/servers-details-resp.fixture';
import type { Server } from './results';

const SERVERS = '/compute/v2.1/servers';
const SERVER_PATH = `${SERVERS}/${SERVER_ID}`;
const NET = '3cb9bc59-5699-4588-a4b1-b87f96708bc6';

/** Nova echoes the microversion it used (devcloud captures). */
const echo = (req: SeenRequest): Record<string, string> => {
  const mv = String(req.headers['x-openstack-nova-api-version'] ?? '2.1');
  return { 'openstack-api-version': `compute ${mv}`, 'x-openstack-nova-api-version': mv };
};

describe('compute: microversion negotiation', () => {
  let cloud: LoopbackCloud;
  afterEach(async () => cloud.close());

  it('negotiates min(cloud max, client max) and sends both version headers', async () => {
    cloud = await LoopbackCloud.start({ computeMaxMicroversion: '2.93' });
    cloud.on('GET', SERVER_PATH, (req) => ({
      status: 200,
      body: serverGetRespV271(),
      headers: echo(req),
    }));
    const os = cloud.client();
    await os.compute.servers.get(SERVER_ID);
    expect((await os.compute.microversion()).toString()).toBe('2.93');
    os.close();
    const [get] = cloud.requestsTo('GET', SERVER_PATH);
    expect(get.headers['openstack-api-version']).toBe('compute 2.93');
    expect(get.headers['x-openstack-nova-api-version']).toBe('2.93');
    expect(cloud.requestsTo('GET', '/compute/v2.1/')).toHaveLength(1); // negotiated once
  });

  it('caps "latest" at the newest version this client knows', async () => {
    cloud = await LoopbackCloud.start({ computeMaxMicroversion: '2.100' });
    const os = cloud.client();
    expect((await os.compute.microversion()).toString()).toBe('2.96');
    os.close();
  });

  it('keeps a pinned version the cloud supports, and refuses one it does not', async () => {
    cloud = await LoopbackCloud.start({ computeMaxMicroversion: '2.60' });
    const pinned = cloud.client({ computeMicroversion: '2.26' });
    expect((await pinned.compute.microversion()).toString()).toBe('2.26');
    const tooNew = cloud.client({ computeMicroversion: '2.79' });
    const error = await tooNew.compute.microversion().catch((e: unknown) => e);
    pinned.close();
    tooNew.close();
    expect(error).toBeInstanceOf(MicroversionNotSupportedError);
    expect((error as Error).message).toBe(
      'compute: the pinned computeMicroversion needs microversion 2.79, but the cloud supports 2.1 to 2.60',
    );
  });
});

describe('compute: servers', () => {
  let cloud: LoopbackCloud;
  beforeEach(async () => {
    cloud = await LoopbackCloud.start();
  });
  afterEach(async () => cloud.close());

  it('creates a server: one wire body with base64 user data, networks, security groups, metadata, count 1', async () => {
    cloud.on('POST', SERVERS, () => ({
      status: 202,
      body: serverCreateResp(SERVER_ID, 'generated-admin-pass'),
    }));
    const os = cloud.client();
    const ref = await os.compute.servers.create({
      name: 'web-1',
      imageId: 'img-1',
      flavorId: '1',
      networks: [{ uuid: NET }, { port: 'port-9', fixedIp: '10.0.0.9' }],
      keyName: 'ops',
      securityGroups: ['default', 'web'],
      userData: '#!/bin/sh\necho hello\n',
      metadata: { 'osa:pool': 'p1' },
      availabilityZone: 'nova',
      tags: ['osa'],
    });
    os.close();

    expect(ref.id).toBe(SERVER_ID);
    expect(ref.adminPass?.reveal()).toBe('generated-admin-pass');
    expect(JSON.stringify(ref)).not.toContain('generated-admin-pass');
    const [post] = cloud.requestsTo('POST', SERVERS);
    expect(post.json()).toEqual({
      server: {
        name: 'web-1',
        imageRef: 'img-1',
        flavorRef: '1',
        min_count: 1,
        max_count: 1,
        networks: [{ uuid: NET }, { port: 'port-9', fixed_ip: '10.0.0.9' }],
        key_name: 'ops',
        security_groups: [{ name: 'default' }, { name: 'web' }],
        user_data: Buffer.from('#!/bin/sh\necho hello\n').toString('base64'),
        metadata: { 'osa:pool': 'p1' },
        availability_zone: 'nova',
        tags: ['osa'],
      },
    });
  });

  it("sends networks 'none' / 'auto' as strings", async () => {
    cloud.on('POST', SERVERS, () => ({ status: 202, body: serverCreateResp(SERVER_ID) }));
    const os = cloud.client();
    await os.compute.servers.create({ name: 'a', imageId: 'i', flavorId: '1', networks: 'auto' });
    os.close();
    expect(
      (cloud.requestsTo('POST', SERVERS)[0].json() as { server: { networks: unknown } }).server
        .networks,
    ).toBe('auto');
  });

  it('refuses bad create options before sending anything', async () => {
    const os = cloud.client();
    const noNetworks = await os.compute.servers
      .create({ name: 'a', imageId: 'i', flavorId: '1' })
      .catch((e: unknown) => e);
    const bigUserData = await os.compute.servers
      .create({
        name: 'a',
        imageId: 'i',
        flavorId: '1',
        networks: 'none',
        userData: Buffer.alloc(60_000),
      })
      .catch((e: unknown) => e);
    const noName = await os.compute.servers
      .create({ name: '', imageId: 'i', flavorId: '1', networks: 'none' })
      .catch((e: unknown) => e);
    os.close();
    expect(noNetworks).toBeInstanceOf(InvalidArgumentError);
    expect((noNetworks as Error).message).toBe(
      "createServer.networks: is required at compute microversion 2.37 and later (this client uses 2.93) (allowed: a list of { uuid } / { port } attachments, 'auto' or 'none')",
    );
    expect((bigUserData as Error).message).toBe(
      'createServer.userData: is 80000 bytes after base64 (allowed: at most 65535 bytes after base64, about 48 KiB before)',
    );
    expect((noName as InvalidArgumentError).field).toBe('createServer.name');
    expect(cloud.requestsTo('POST', SERVERS)).toHaveLength(0);
  });

  it('refuses tags at create below 2.52 (server tags need the microversion)', async () => {
    const os = cloud.client({ computeMicroversion: '2.40' });
    const error = await os.compute.servers
      .create({ name: 'a', imageId: 'i', flavorId: '1', networks: 'none', tags: ['x'] })
      .catch((e: unknown) => e);
    os.close();
    expect(error).toBeInstanceOf(MicroversionNotSupportedError);
    expect((error as Error).message).toBe(
      'compute: server tags at create needs microversion 2.52, but this client negotiated 2.40',
    );
  });

  it('reads a server detail: status, OS-EXT-STS states, addresses, embedded flavor (2.47+), tags', async () => {
    cloud.on('GET', SERVER_PATH, (req) => ({
      status: 200,
      body: serverGetRespV271(),
      headers: echo(req),
    }));
    const os = cloud.client();
    const server = await os.compute.servers.get(SERVER_ID);
    os.close();
    expect(server).toMatchObject({
      id: SERVER_ID,
      name: 'new-server-test',
      status: 'ACTIVE',
      vmState: 'active',
      taskState: undefined,
      powerState: 1,
      imageId: '70a599e0-31e7-49b7-b260-868f441e862b',
      flavor: { id: undefined, originalName: 'm1.tiny', vcpus: 1, ramMb: 512, diskGb: 1 },
      metadata: { 'My Server Name': 'Apache1' },
      tags: [],
      availabilityZone: 'nova',
      securityGroups: ['default'],
      locked: false,
      projectId: '6f70656e737461636b20342065766572',
    });
    expect(server.addresses['private']).toEqual([
      { address: '192.168.1.30', version: 4, type: 'fixed', macAddress: '00:0c:29:0d:11:74' },
      { address: 'fd00:1::30', version: 6, type: 'fixed', macAddress: '00:0c:29:0d:11:74' },
      { address: '172.24.4.10', version: 4, type: 'floating', macAddress: '00:0c:29:0d:11:74' },
    ]);
  });

  it('reads the 2.1 shape: flavor by id, no tags', async () => {
    cloud.on('GET', SERVER_PATH, () => ({ status: 200, body: serverGetRespV21(SERVER_ID) }));
    const os = cloud.client({ computeMicroversion: '2.1' });
    const server = await os.compute.servers.get(SERVER_ID);
    os.close();
    expect(server.flavor).toEqual({
      id: '1',
      originalName: undefined,
      vcpus: undefined,
      ramMb: undefined,
      diskGb: undefined,
    });
    expect(server.tags).toBeUndefined();
    // created and launched_at together give Nova's own BUILD -> ACTIVE time.
    expect(server.launchedAt).toBe('2013-09-23T13:37:00.880302');
  });

  it('lists lazily, following servers_links, anchoring exactName, filtering metadata client side', async () => {
    const page2 = `${cloud.computeUrl}/servers/detail?limit=2&marker=s2`;
    cloud.on('GET', `${SERVERS}/detail`, (req) =>
      req.query.get('marker') === 's2'
        ? {
            status: 200,
            body: serversDetailsResp([{ id: 's3', name: 'web.1', metadata: { pool: 'p1' } }]),
          }
        : {
            status: 200,
            body: serversDetailsResp(
              [
                { id: 's1', name: 'web.1', metadata: { pool: 'p1' } },
                { id: 's2', name: 'web.1', metadata: { pool: 'p2' } },
              ],
              page2,
            ),
          },
    );
    const os = cloud.client();
    const list = os.compute.servers.list({
      exactName: 'web.1',
      metadata: { pool: 'p1' },
      pageSize: 2,
      status: 'ACTIVE',
    });
    expect(cloud.requestsTo('GET', `${SERVERS}/detail`)).toHaveLength(0); // lazy
    const found = (await list.toArray()).map((s: Server) => s.id);
    os.close();
    expect(found).toEqual(['s1', 's3']);
    const [first, second] = cloud.requestsTo('GET', `${SERVERS}/detail`);
    expect(first.query.get('name')).toBe('^web\\.1$');
    expect(first.query.get('limit')).toBe('2');
    expect(first.query.get('status')).toBe('ACTIVE');
    expect(second.query.get('marker')).toBe('s2');
  });

  it('stops fetching when the caller stops iterating', async () => {
    cloud.on('GET', `${SERVERS}/detail`, () => ({
      status: 200,
      body: serversDetailsResp(
        [
          { id: 'a', name: 'a' },
          { id: 'b', name: 'b' },
        ],
        `${cloud.computeUrl}/servers/detail?marker=b`,
      ),
    }));
    const os = cloud.client();
    for await (const server of os.compute.servers.list()) {
      expect(server.id).toBe('a');
      break;
    }
    os.close();
    expect(cloud.requestsTo('GET', `${SERVERS}/detail`)).toHaveLength(1);
  });

  it('deletes idempotently: a 404 is "already gone" unless ignoreMissing is false', async () => {
    cloud.on('DELETE', SERVER_PATH, () => ({ status: 404, body: itemNotFound(SERVER_ID) }));
    cloud.once('DELETE', SERVER_PATH, () => ({ status: 204 }));
    const os = cloud.client();
    expect(await os.compute.servers.delete(SERVER_ID)).toBe(true);
    expect(await os.compute.servers.delete(SERVER_ID)).toBe(false);
    await expect(os.compute.servers.delete(SERVER_ID, { ignoreMissing: false })).rejects.toThrow(
      `Instance ${SERVER_ID} could not be found.`,
    );
    os.close();
  });

  it('createImage reads the image id from the body at 2.45+', async () => {
    cloud.on('POST', `${SERVER_PATH}/action`, (req) => ({
      status: 202,
      body: createImageRespV245('img-245'),
      headers: echo(req),
    }));
    const os = cloud.client();
    const result = await os.compute.servers.createImage(SERVER_ID, {
      name: 'golden',
      metadata: { role: 'golden' },
    });
    os.close();
    expect(result).toEqual({ imageId: 'img-245' });
    expect(cloud.requestsTo('POST', `${SERVER_PATH}/action`)[0].json()).toEqual({
      createImage: { name: 'golden', metadata: { role: 'golden' } },
    });
  });

  it('createImage reads the image id from the Location header before 2.45', async () => {
    cloud.on('POST', `${SERVER_PATH}/action`, (req) => ({
      status: 202,
      body: '',
      headers: {
        ...echo(req),
        'content-type': 'text/html; charset=UTF-8',
        location: 'http://127.0.0.1:9292/images/465b503f-6a55-4e8f-8084-b6ba5be8f43f',
      },
    }));
    const os = cloud.client({ computeMicroversion: '2.44' });
    const result = await os.compute.servers.createImage(SERVER_ID, { name: 'golden' });
    os.close();
    expect(result).toEqual({ imageId: '465b503f-6a55-4e8f-8084-b6ba5be8f43f' });
  });

  it('createImage branches on the version Nova echoed, not the one we asked for', async () => {
    // A proxy that strips our header makes Nova answer as 2.1: Location, no body.
    cloud.on('POST', `${SERVER_PATH}/action`, () => ({
      status: 202,
      headers: {
        'openstack-api-version': 'compute 2.1',
        location: 'http://glance/images/from-location',
      },
    }));
    const os = cloud.client();
    expect(await os.compute.servers.createImage(SERVER_ID, { name: 'x' })).toEqual({
      imageId: 'from-location',
    });
    os.close();
  });

  it('stop, start and console output send the documented actions', async () => {
    cloud.on('POST', `${SERVER_PATH}/action`, (req) => {
      const body = req.json() as Record<string, unknown>;
      if ('os-getConsoleOutput' in body) return { status: 200, body: { output: 'login: ' } };
      return { status: 202 };
    });
    const os = cloud.client();
    await os.compute.servers.stop(SERVER_ID);
    await os.compute.servers.start(SERVER_ID);
    const output = await os.compute.servers.consoleOutput(SERVER_ID, { length: 50 });
    os.close();
    expect(output).toBe('login: ');
    expect(cloud.requestsTo('POST', `${SERVER_PATH}/action`).map((r) => r.json())).toEqual([
      { 'os-stop': null },
      { 'os-start': null },
      { 'os-getConsoleOutput': { length: 50 } },
    ]);
  });

  it('shelve and unshelve send the documented actions (api samples: {"shelve": null}, {"unshelve": null})', async () => {
    cloud.on('POST', `${SERVER_PATH}/action`, () => ({ status: 202 }));
    const os = cloud.client();
    await os.compute.servers.shelve(SERVER_ID);
    await os.compute.servers.unshelve(SERVER_ID);
    os.close();
    expect(cloud.requestsTo('POST', `${SERVER_PATH}/action`).map((r) => r.json())).toEqual([
      { shelve: null },
      { unshelve: null },
    ]);
  });

  it('tags: list, add, replace, delete at 2.26+; unsupported below', async () => {
    cloud.on('GET', `${SERVER_PATH}/tags`, () => ({ status: 200, body: { tags: ['a'] } }));
    cloud.on('PUT', `${SERVER_PATH}/tags/b`, () => ({
      status: 201,
      body: '',
      headers: { 'content-type': 'text/html' },
    }));
    cloud.on('PUT', `${SERVER_PATH}/tags`, (req) => ({ status: 200, body: req.json() }));
    cloud.on('DELETE', `${SERVER_PATH}/tags/gone`, () => ({
      status: 404,
      body: { itemNotFound: { code: 404, message: 'Tag gone could not be found.' } },
    }));
    const os = cloud.client();
    expect(await os.compute.servers.tags.list(SERVER_ID)).toEqual(['a']);
    await os.compute.servers.tags.add(SERVER_ID, 'b');
    expect(await os.compute.servers.tags.replace(SERVER_ID, ['x', 'y'])).toEqual(['x', 'y']);
    expect(await os.compute.servers.tags.delete(SERVER_ID, 'gone')).toBe(false);
    os.close();
    const old = cloud.client({ computeMicroversion: '2.25' });
    await expect(old.compute.servers.tags.list(SERVER_ID)).rejects.toBeInstanceOf(
      MicroversionNotSupportedError,
    );
    old.close();
  });

  it('metadata: update merges (POST), replace (PUT)', async () => {
    cloud.on('POST', `${SERVER_PATH}/metadata`, (req) => ({
      status: 200,
      body: { metadata: { old: '1', ...(req.json() as { metadata: object }).metadata } },
    }));
    cloud.on('PUT', `${SERVER_PATH}/metadata`, (req) => ({ status: 200, body: req.json() }));
    const os = cloud.client();
    expect(await os.compute.servers.metadata.update(SERVER_ID, { a: 'b' })).toEqual({
      old: '1',
      a: 'b',
    });
    expect(await os.compute.servers.metadata.replace(SERVER_ID, { only: 'this' })).toEqual({
      only: 'this',
    });
    os.close();
  });
});

describe('compute: server waiters', () => {
  let cloud: LoopbackCloud;
  beforeEach(async () => {
    cloud = await LoopbackCloud.start();
  });
  afterEach(async () => cloud.close());

  /** Answers the given bodies in order, then keeps answering the last one. */
  function sequence(bodies: Array<{ status: number; body: unknown }>): void {
    let i = 0;
    cloud.on('GET', SERVER_PATH, () => bodies[Math.min(i++, bodies.length - 1)]);
  }

  it('waits BUILD -> ACTIVE, reporting progress on every poll', async () => {
    sequence([
      { status: 200, body: serverGetBuildRespV271() },
      { status: 200, body: serverGetBuildRespV271() },
      { status: 200, body: serverGetRespV271() },
    ]);
    const progress: Array<WaitProgress<Server>> = [];
    const os = cloud.client();
    const server = await os.compute.servers.waitForStatus(SERVER_ID, {
      target: 'ACTIVE',
      timeoutMs: 5_000,
      intervalMs: 10,
      onProgress: (p) => progress.push(p),
    });
    os.close();
    expect(server.status).toBe('ACTIVE');
    expect(progress.map((p) => [p.attempt, p.status])).toEqual([
      [1, 'BUILD'],
      [2, 'BUILD'],
      [3, 'ACTIVE'],
    ]);
  });

  it("fails at once on ERROR with Nova's fault message", async () => {
    sequence([
      { status: 200, body: serverGetBuildRespV271() },
      { status: 200, body: serverGetErrorRespV271() },
    ]);
    const os = cloud.client();
    const error = (await os.compute.servers
      .waitForStatus(SERVER_ID, { target: 'ACTIVE', timeoutMs: 5_000, intervalMs: 10 })
      .catch((e: unknown) => e)) as ServerFaultError;
    os.close();
    expect(error).toBeInstanceOf(ServerFaultError);
    expect(error.faultCode).toBe(500);
    expect(error.faultMessage).toContain('Exceeded maximum number of retries');
    expect(error.message).toBe(
      `server ${SERVER_ID} entered failure state ERROR: ${error.faultMessage}`,
    );
    expect(cloud.requestsTo('GET', SERVER_PATH)).toHaveLength(2);
  });

  it('fails at once when the server vanishes', async () => {
    sequence([
      { status: 200, body: serverGetBuildRespV271() },
      { status: 404, body: itemNotFound(SERVER_ID) },
    ]);
    const os = cloud.client();
    const error = await os.compute.servers
      .waitForStatus(SERVER_ID, { target: 'ACTIVE', timeoutMs: 5_000, intervalMs: 10 })
      .catch((e: unknown) => e);
    os.close();
    expect(error).toBeInstanceOf(ResourceGoneError);
  });

  it('times out with the last status seen, polling less often as it goes', async () => {
    sequence([{ status: 200, body: serverGetBuildRespV271() }]);
    const os = cloud.client();
    const error = (await os.compute.servers
      .waitForStatus(SERVER_ID, {
        target: 'ACTIVE',
        timeoutMs: 400,
        intervalMs: 20,
        maxIntervalMs: 200,
        backoffFactor: 2,
      })
      .catch((e: unknown) => e)) as WaitTimeoutError;
    os.close();
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect(error.message).toBe(
      `timed out after 400 ms waiting for server ${SERVER_ID} to become ACTIVE (last status: BUILD)`,
    );
    const times = cloud.requestsTo('GET', SERVER_PATH).map((r) => r.at);
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    // Intervals 20, 40, 80, 160, ... : far fewer polls than a fixed 20 ms interval would make.
    expect(times.length).toBeLessThanOrEqual(7);
    expect(gaps[gaps.length - 1]).toBeGreaterThan(gaps[0]);
  });

  it('stops when the AbortSignal fires', async () => {
    sequence([{ status: 200, body: serverGetBuildRespV271() }]);
    const os = cloud.client();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const error = await os.compute.servers
      .waitForStatus(SERVER_ID, {
        target: 'ACTIVE',
        timeoutMs: 10_000,
        intervalMs: 1_000,
        signal: controller.signal,
      })
      .catch((e: unknown) => e);
    os.close();
    expect(error).toBeInstanceOf(WaitAbortedError);
  });

  it('refuses a wait without a sane timeout', async () => {
    const os = cloud.client();
    await expect(
      os.compute.servers.waitForStatus(SERVER_ID, { target: 'ACTIVE', timeoutMs: 0 }),
    ).rejects.toThrow(
      'wait.timeoutMs: 0 is not allowed (allowed: a positive number of milliseconds)',
    );
    os.close();
  });

  it('waitForDeleted ends on 404, after the "deleting" task state', async () => {
    sequence([
      { status: 200, body: serverGetRespV271({ 'OS-EXT-STS:task_state': 'deleting' }) },
      { status: 404, body: itemNotFound(SERVER_ID) },
    ]);
    const os = cloud.client();
    await os.compute.servers.waitForDeleted(SERVER_ID, { timeoutMs: 5_000, intervalMs: 10 });
    os.close();
    expect(cloud.requestsTo('GET', SERVER_PATH)).toHaveLength(2);
  });
});
