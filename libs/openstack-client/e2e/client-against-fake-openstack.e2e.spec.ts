/**
 * End to end: @osa/openstack-client against @osa/openstack-testkit's stateful fake OpenStack
 * (Keystone + Nova + Glance + Neutron on loopback), through the real config paths
 * (a clouds.yaml file on disk, an openrc environment).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { inspect } from 'node:util';
import { FakeOpenStack } from '@osa/openstack-testkit';
import {
  MalformedResponseError,
  OpenStackClient,
  QuotaExceededError,
  ServerFaultError,
  ServiceUnavailableError,
  extractAddress,
  type ClientEvent,
} from '../src';

describe('openstack-client against the fake OpenStack (e2e)', () => {
  let cloud: FakeOpenStack;
  let tmpDir: string;
  const clients: OpenStackClient[] = [];
  const track = (client: OpenStackClient): OpenStackClient => (clients.push(client), client);

  beforeEach(async () => {
    cloud = await FakeOpenStack.start();
    tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'osa-client-e2e-'));
  });
  afterEach(async () => {
    clients.splice(0).forEach((c) => c.close());
    await cloud.stop();
    fs.rmSync(tmpDir, { recursive: true, force: true });
  });

  /** A client built the way the CLI would: OS_CLOUD + a clouds.yaml in the working directory. */
  function clientFromCloudsYaml(events?: ClientEvent[]): OpenStackClient {
    fs.writeFileSync(path.join(tmpDir, 'clouds.yaml'), cloud.cloudsYaml('fake'));
    return track(
      OpenStackClient.fromEnvironment({
        env: { OS_CLOUD: 'fake' },
        cwd: tmpDir,
        homeDir: tmpDir,
        logger: events ? (e) => events.push(e) : undefined,
        overrides: { retry: { maxRetries: 3, baseDelayMs: 5, maxDelayMs: 100 }, timeoutMs: 3_000 },
      }),
    );
  }

  it('boots a server, reads its address, snapshots it and cleans up', async () => {
    const events: ClientEvent[] = [];
    const client = clientFromCloudsYaml(events);
    cloud.setServerBehaviour({ pollsUntilActive: 2, address: () => '127.200.0.77' });
    const cleanups: Array<() => Promise<unknown>> = [];
    let serverId: string | undefined;
    try {
      const flavor = await client.compute.flavors.find('m1.tiny');
      const image = await client.image.images.findByName('ubuntu');
      const network = await client.network.networks.find('test');
      expect(image?.status).toBe('active');

      const ref = await client.compute.servers.create({
        name: 'e2e-web-1',
        imageId: image?.id ?? '',
        flavorId: flavor.id,
        networks: [{ uuid: network.id }],
        userData: '#cloud-config\n',
        metadata: { 'osa:pool': 'e2e' },
      });
      // Cleanup registered the moment Nova returns an id.
      serverId = ref.id;
      cleanups.push(() => client.compute.servers.delete(ref.id));

      const progress: string[] = [];
      const server = await client.compute.servers.waitForStatus(ref.id, {
        target: 'ACTIVE',
        timeoutMs: 10_000,
        intervalMs: 20,
        onProgress: (p) => progress.push(p.status),
      });
      expect(progress).toEqual(['BUILD', 'BUILD', 'ACTIVE']);
      expect(extractAddress(server, { networkName: 'test' })).toBe('127.200.0.77');
      expect(server.metadata).toEqual({ 'osa:pool': 'e2e' });
      expect(
        (await client.compute.servers.list({ exactName: 'e2e-web-1' }).toArray()).map((s) => s.id),
      ).toEqual([ref.id]);

      const ports = await client.network.ports.listByDevice(ref.id);
      expect(ports.flatMap((p) => p.fixedIps.map((f) => f.ipAddress))).toContain('127.200.0.77');

      const { imageId } = await client.compute.servers.createImage(ref.id, {
        name: 'e2e-golden',
        metadata: { 'osa:role': 'golden' },
      });
      cleanups.push(() => client.image.images.delete(imageId));
      const snapshot = await client.image.images.waitForStatus(imageId, {
        target: 'active',
        timeoutMs: 10_000,
        intervalMs: 20,
      });
      expect(snapshot.name).toBe('e2e-golden');
      await client.image.images.updateProperties(imageId, { osa_state: 'approved' });
      expect((await client.image.images.get(imageId)).properties['osa_state']).toBe('approved');
    } finally {
      for (const cleanup of cleanups.reverse()) await cleanup();
    }
    expect(serverId).toBeDefined();
    const id = serverId ?? '';
    // Nova answers the DELETE at once and shows the server (task_state deleting, then DELETED)
    // until the compute host is done: wait for DELETED, then for the GET to answer 404.
    await client.compute.servers.waitForDeleted(id, { timeoutMs: 10_000, intervalMs: 20 });
    expect(await untilNotFound(() => client.compute.servers.find(id), 10_000)).toBeUndefined();
    expect(await client.compute.servers.list({ exactName: 'e2e-web-1' }).toArray()).toEqual([]);
    expect([...cloud.state.images.values()].map((i) => i.name)).toEqual(['ubuntu']);
    // Nothing secret in what the client reported.
    expect(JSON.stringify(events)).not.toContain(cloud.credentials.password);
    expect(events.find((e) => e.type === 'microversion')).toMatchObject({ negotiated: '2.93' });
  });

  it('fails fast with the fault message when a server goes to ERROR', async () => {
    const client = clientFromCloudsYaml();
    cloud.setServerBehaviour({
      failWith: { message: 'No valid host was found. There are not enough hosts available.' },
    });
    const network = await client.network.networks.find('test');
    const ref = await client.compute.servers.create({
      name: 'e2e-doomed',
      imageId: (await client.image.images.findByName('ubuntu'))?.id ?? '',
      flavorId: '1',
      networks: [{ uuid: network.id }],
    });
    try {
      const error = (await client.compute.servers
        .waitForStatus(ref.id, { target: 'ACTIVE', timeoutMs: 10_000, intervalMs: 20 })
        .catch((e: unknown) => e)) as ServerFaultError;
      expect(error).toBeInstanceOf(ServerFaultError);
      expect(error.faultMessage).toBe(
        'No valid host was found. There are not enough hosts available.',
      );
    } finally {
      await client.compute.servers.delete(ref.id);
    }
  });

  it('stops, starts, shelves and unshelves a server, each waiter seeing its status', async () => {
    const client = clientFromCloudsYaml();
    cloud.setServerBehaviour({ actionDelayMs: 50 });
    const network = await client.network.networks.find('test');
    const ref = await client.compute.servers.create({
      name: 'e2e-power',
      imageId: (await client.image.images.findByName('ubuntu'))?.id ?? '',
      flavorId: '1',
      networks: [{ uuid: network.id }],
    });
    const wait = { timeoutMs: 10_000, intervalMs: 20 };
    const { servers } = client.compute;
    try {
      await servers.waitForActive(ref.id, wait);
      await servers.stop(ref.id);
      expect((await servers.waitForShutoff(ref.id, wait)).powerState).toBe(4);
      await servers.start(ref.id);
      expect((await servers.waitForActive(ref.id, wait)).status).toBe('ACTIVE');
      await servers.shelve(ref.id);
      expect((await servers.waitForShelvedOffloaded(ref.id, wait)).vmState).toBe(
        'shelved_offloaded',
      );
      await servers.unshelve(ref.id);
      expect((await servers.waitForActive(ref.id, wait)).status).toBe('ACTIVE');
      // Nova's own record, newest first; from 2.58 each says when its work finished.
      const actions = await servers.actions(ref.id);
      expect(actions.map((entry) => entry.action)).toEqual([
        'unshelve',
        'shelve',
        'start',
        'stop',
        'create',
      ]);
      for (const entry of actions) {
        expect(entry.requestId).toMatch(/^req-/);
        expect(Date.parse(`${entry.updatedAt}Z`)).toBeGreaterThanOrEqual(
          Date.parse(`${entry.startTime}Z`),
        );
      }
      // An aborted waiter ends at once, as every long wait must.
      const aborted = new AbortController();
      aborted.abort();
      await expect(
        servers.waitForShutoff(ref.id, { ...wait, signal: aborted.signal }),
      ).rejects.toThrow(/aborted/);
    } finally {
      await servers.delete(ref.id);
    }
  });

  it('authenticates from an openrc with an application credential', async () => {
    const client = track(
      OpenStackClient.fromEnvironment({
        env: cloud.openrcEnv({ auth: 'application_credential' }),
        cwd: tmpDir,
        homeDir: tmpDir,
      }),
    );
    const token = await client.identity.token();
    expect(token.methods).toEqual(['application_credential']);
    expect(inspect(client, { depth: 5 })).not.toContain(
      cloud.credentials.applicationCredentialSecret,
    );
  });

  it('re-authenticates once when every token expires', async () => {
    const client = clientFromCloudsYaml();
    await client.compute.flavors.list().toArray();
    const before = cloud.tokensIssued;
    cloud.expireAllTokens();
    await Promise.all([
      client.compute.flavors.list().toArray(),
      client.network.networks.list().toArray(),
      client.image.images.list().toArray(),
    ]);
    expect(cloud.tokensIssued - before).toBe(1);
  });

  it('retries an idempotent GET through injected 503s, never a POST', async () => {
    const client = clientFromCloudsYaml();
    await client.compute.microversion();
    const getFault = cloud.inject({
      service: 'compute',
      method: 'GET',
      path: /\/flavors\/detail$/,
      status: 503,
      times: 2,
    });
    expect((await client.compute.flavors.list().toArray()).length).toBeGreaterThan(0);
    expect(getFault.hits).toBe(2);

    cloud.inject({ service: 'compute', method: 'POST', path: /\/servers$/, status: 503, times: 1 });
    const error = await client.compute.servers
      .create({ name: 'e2e-x', imageId: 'i', flavorId: '1', networks: 'none' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect(cloud.callsTo('compute', 'POST', /\/servers$/)).toHaveLength(1);
    expect(cloud.state.servers.size).toBe(0);
  });

  it('reports quota and malformed answers as typed errors', async () => {
    const client = clientFromCloudsYaml();
    cloud.quota.instances = 0;
    const network = await client.network.networks.find('test');
    const image = await client.image.images.findByName('ubuntu');
    const quota = (await client.compute.servers
      .create({
        name: 'e2e-q',
        imageId: image?.id ?? '',
        flavorId: '1',
        networks: [{ uuid: network.id }],
      })
      .catch((e: unknown) => e)) as QuotaExceededError;
    expect(quota).toBeInstanceOf(QuotaExceededError);
    expect(quota.status).toBe(403);
    expect(quota.serverMessage).toMatch(/^Quota exceeded for instances/);

    cloud.inject({
      service: 'image',
      method: 'GET',
      path: /\/v2\/images$/,
      malformed: true,
      times: 1,
    });
    const malformed = await client.image.images
      .list()
      .toArray()
      .catch((e: unknown) => e);
    expect(malformed).toBeInstanceOf(MalformedResponseError);
  });

  it('adds a security group rule once; the duplicate counts as present', async () => {
    const client = clientFromCloudsYaml();
    const group = await client.network.securityGroups.findDefault();
    const rule = {
      securityGroupId: group.id,
      direction: 'ingress' as const,
      protocol: 'tcp',
      portRangeMin: 5000,
      portRangeMax: 5000,
      remoteIpPrefix: '0.0.0.0/0',
    };
    const first = await client.network.securityGroupRules.create(rule);
    const second = await client.network.securityGroupRules.create(rule);
    expect(first.alreadyExists).toBe(false);
    expect(second).toEqual({
      alreadyExists: true,
      existingRuleId: first.alreadyExists ? undefined : first.rule.id,
    });
  });
});

/** Polls `find` until it answers undefined (a 404) or `timeoutMs` passes; returns the last answer. */
async function untilNotFound<T>(
  find: () => Promise<T | undefined>,
  timeoutMs: number,
): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  let found = await find();
  while (found !== undefined && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    found = await find();
  }
  return found;
}
