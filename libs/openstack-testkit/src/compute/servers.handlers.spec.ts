import { FakeOpenStack } from '../index';
import {
  login,
  serverBody,
  servicesOf,
  sleep,
  wire,
  type Json,
} from '../../test-support/wire-client';

describe('fake Nova servers', () => {
  let cloud: FakeOpenStack;
  let compute: ReturnType<typeof servicesOf>['compute'];
  let network: ReturnType<typeof servicesOf>['network'];
  let image: ReturnType<typeof servicesOf>['image'];

  beforeEach(async () => {
    cloud = await FakeOpenStack.start();
    ({ compute, network, image } = servicesOf(cloud, await login(cloud)));
  });
  afterEach(async () => {
    await cloud.stop();
  });

  async function create(
    fields: Record<string, unknown> = {},
    microversion = '2.79',
  ): Promise<string> {
    const reply = await compute('/servers', {
      method: 'POST',
      body: serverBody(cloud, fields),
      microversion,
    });
    expect(reply.status).toBe(202);
    return reply.json.server.id;
  }

  /** Create, then read it once: the first GET answers BUILD (the default behaviour), the next ACTIVE. */
  async function createActive(
    fields: Record<string, unknown> = {},
    microversion = '2.79',
  ): Promise<string> {
    const id = await create(fields, microversion);
    for (let reads = 0; reads < 10; reads += 1) {
      if ((await compute(`/servers/${id}`)).json.server.status !== 'BUILD') break;
    }
    expect(cloud.state.servers.get(id)?.status).toBe('ACTIVE');
    return id;
  }

  describe('versions and microversions', () => {
    it('serves the version list and the v2.1 document without a token', async () => {
      const root = await wire(`${new URL(cloud.endpoints.compute).origin}/compute/`);
      expect(root.status).toBe(200);
      expect(root.json.versions[1]).toMatchObject({
        id: 'v2.1',
        status: 'CURRENT',
        version: '2.93',
        min_version: '2.1',
      });
      expect(root.headers.get('x-openstack-request-id')).toBeNull();
      const doc = await wire(`${cloud.endpoints.compute}/`);
      expect(doc.json.version).toMatchObject({ id: 'v2.1', version: '2.93', min_version: '2.1' });
    });

    it('answers as 2.1 without a header and echoes the version it used', async () => {
      const reply = await compute('/flavors/1');
      expect(reply.headers.get('openstack-api-version')).toBe('compute 2.1');
      expect(reply.headers.get('x-openstack-nova-api-version')).toBe('2.1');
      expect(reply.headers.get('vary')).toContain('OpenStack-API-Version');
      expect(reply.json.flavor.description).toBeUndefined();
    });

    it('accepts the legacy header and "latest"', async () => {
      const legacy = await compute('/flavors/1', {
        headers: { 'X-OpenStack-Nova-API-Version': '2.55' },
      });
      expect(legacy.headers.get('openstack-api-version')).toBe('compute 2.55');
      expect(legacy.json.flavor.description).toBeNull();
      const latest = await compute('/flavors/1', { microversion: 'latest' });
      expect(latest.headers.get('openstack-api-version')).toBe('compute 2.93');
    });

    it('answers 406 computeFault for an unsupported version and 400 for a malformed one', async () => {
      const tooHigh = await compute('/servers', { microversion: '2.999' });
      expect(tooHigh.status).toBe(406);
      expect(tooHigh.json).toEqual({
        computeFault: {
          code: 406,
          message: 'Version 2.999 is not supported by the API. Minimum is 2.1 and maximum is 2.93.',
        },
      });
      expect(tooHigh.headers.get('openstack-api-version')).toBe('compute 2.999');
      const malformed = await compute('/servers', { microversion: 'two' });
      expect(malformed.status).toBe(400);
      expect(malformed.json.badRequest.code).toBe(400);
    });

    it('honours a lower computeMaxMicroversion', async () => {
      const old = await FakeOpenStack.start({ computeMaxMicroversion: '2.60' });
      try {
        const c = servicesOf(old, await login(old)).compute;
        expect((await c('/servers', { microversion: '2.79' })).status).toBe(406);
        expect(
          (await c('/servers', { microversion: 'latest' })).headers.get('openstack-api-version'),
        ).toBe('compute 2.60');
      } finally {
        await old.stop();
      }
    });
  });

  describe('create validation (Nova-shaped 400/403)', () => {
    it('returns 202 with id, links, adminPass and a Location header', async () => {
      const reply = await compute('/servers', {
        method: 'POST',
        body: serverBody(cloud),
        microversion: '2.79',
      });
      expect(reply.status).toBe(202);
      const server = reply.json.server;
      expect(server.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(server.adminPass).toEqual(expect.any(String));
      expect(server.links[0]).toEqual({
        rel: 'self',
        href: `${cloud.endpoints.compute}/servers/${server.id}`,
      });
      expect(server.security_groups).toEqual([{ name: 'default' }]);
      expect(reply.headers.get('location')).toBe(`${cloud.endpoints.compute}/servers/${server.id}`);
      expect(reply.headers.get('x-compute-request-id')).toBe(
        reply.headers.get('x-openstack-request-id'),
      );
    });

    it.each([
      ['flavorRef', { flavorRef: undefined }, "'flavorRef' is a required property"],
      ['name', { name: undefined }, "'name' is a required property"],
      ['networks at 2.37+', { networks: undefined }, "'networks' is a required property"],
    ])('rejects a missing %s', async (_label, fields, message) => {
      const reply = await compute('/servers', {
        method: 'POST',
        body: serverBody(cloud, fields),
        microversion: '2.79',
      });
      expect(reply.status).toBe(400);
      expect(reply.headers.get('content-type')).toBe('application/json; charset=UTF-8');
      expect(reply.json.badRequest.code).toBe(400);
      expect(reply.json.badRequest.message).toMatch(
        /^Invalid input for field\/attribute server\. Value: \{'name'|^Invalid input/,
      );
      expect(reply.json.badRequest.message).toContain(message);
    });

    it.each([
      [
        'a bad imageRef before a missing networks (schema first, as Nova does)',
        { imageRef: 'x', networks: undefined },
        "Invalid input for field/attribute imageRef. Value: x. 'x' is not valid under any of the given schemas",
      ],
      [
        'an empty name (the value is printed bare, as Python %s does)',
        { name: '' },
        "Invalid input for field/attribute name. Value: . '' is too short",
      ],
      [
        'a name with leading whitespace',
        { name: ' srv' },
        "An invalid 'name' value was provided. The name must be: printable characters. Can not start or end with whitespace.",
      ],
      [
        'networks that are neither a list nor auto/none',
        { networks: 'x' },
        "Invalid input for field/attribute networks. Value: x. 'x' is not valid under any of the given schemas",
      ],
      [
        'a min_count below 1',
        { min_count: 0 },
        'Invalid input for field/attribute min_count. Value: 0. 0 is less than the minimum of 1',
      ],
      [
        'an unknown attribute',
        { flavour: '1' },
        "Additional properties are not allowed ('flavour' was unexpected)",
      ],
      [
        'a missing imageRef (after the schema)',
        { imageRef: undefined },
        'Missing imageRef attribute',
      ],
    ])('rejects %s', async (_label, fields, message) => {
      const reply = await compute('/servers', {
        method: 'POST',
        body: serverBody(cloud, fields),
        microversion: '2.79',
      });
      expect(reply.status).toBe(400);
      expect(reply.json.badRequest.message).toContain(message);
      expect(cloud.state.servers.size).toBe(0);
    });

    it("names a missing 'server' without a field, as a top-level schema error", async () => {
      const reply = await compute('/servers', { method: 'POST', body: { srv: {} } });
      expect(reply.json).toEqual({
        badRequest: { code: 400, message: "'server' is a required property" },
      });
    });

    it('does not require networks before 2.37 (auto-allocates the tenant network)', async () => {
      const id = await create({ networks: undefined }, '2.1');
      expect(cloud.state.servers.get(id)?.networkIds).toEqual([
        [...cloud.state.networks.values()].find((n) => n.name === 'test')?.id,
      ]);
    });

    it.each([
      ['unknown flavor', { flavorRef: '999' }, 'Flavor 999 could not be found.'],
      [
        'unknown image',
        { imageRef: '00000000-0000-0000-0000-000000000000' },
        'Can not find requested image',
      ],
      [
        'unknown network',
        { networks: [{ uuid: '00000000-0000-0000-0000-000000000000' }] },
        'Network 00000000-0000-0000-0000-000000000000 could not be found.',
      ],
      ['unknown key_name', { key_name: 'nope' }, 'Invalid key_name provided.'],
      [
        'unknown security group',
        { security_groups: [{ name: 'nope' }] },
        "Unable to find security_group with name or id 'nope'",
      ],
      ['user_data that is not base64', { user_data: 'not base64!' }, "is not a 'base64'"],
      ['user_data over 65535 bytes', { user_data: 'A'.repeat(65536) }, 'is too long'],
      [
        'unknown availability zone',
        { availability_zone: 'az9' },
        'The requested availability zone is not available',
      ],
    ])('rejects an %s with 400', async (_label, fields, message) => {
      const reply = await compute('/servers', {
        method: 'POST',
        body: serverBody(cloud, fields),
        microversion: '2.79',
      });
      expect(reply.status).toBe(400);
      expect(reply.json.badRequest.message).toContain(message);
      expect(cloud.state.servers.size).toBe(0);
    });

    it('answers the instances quota with 403 in Nova quota format', async () => {
      cloud.quota.instances = 1;
      await create();
      const reply = await compute('/servers', {
        method: 'POST',
        body: serverBody(cloud),
        microversion: '2.79',
      });
      expect(reply.status).toBe(403);
      expect(reply.json).toEqual({
        forbidden: {
          code: 403,
          message: 'Quota exceeded for instances: Requested 1, but already used 1 of 1 instances',
        },
      });
      const multi = await compute('/servers', {
        method: 'POST',
        body: serverBody(cloud, { min_count: 2, max_count: 3 }),
        microversion: '2.79',
      });
      expect(multi.json.forbidden.message).toBe(
        'Quota exceeded for instances: Requested 2-3, but already used 1 of 1 instances',
      );
    });

    it('creates max_count servers named name-N when quota allows', async () => {
      await compute('/servers', {
        method: 'POST',
        body: serverBody(cloud, { name: 'multi', min_count: 1, max_count: 3 }),
        microversion: '2.79',
      });
      expect([...cloud.state.servers.values()].map((s) => s.name).sort()).toEqual([
        'multi-1',
        'multi-2',
        'multi-3',
      ]);
    });
  });

  describe('lifecycle behaviours', () => {
    it('answers the first GET with BUILD as the devcloud does (no security_groups, no host), then ACTIVE', async () => {
      const id = await create();
      // Lists do not move a server on: only GET /servers/{id} counts as a poll.
      const listed = await compute('/servers/detail');
      expect(listed.json.servers[0].status).toBe('BUILD');
      const build = (await compute(`/servers/${id}`, { microversion: '2.79' })).json.server;
      expect(build).toMatchObject({
        status: 'BUILD',
        addresses: {},
        hostId: '',
        'OS-EXT-AZ:availability_zone': '',
        'OS-EXT-STS:task_state': 'scheduling',
        'OS-EXT-STS:vm_state': 'building',
        progress: 0,
      });
      expect(build.security_groups).toBeUndefined();
      const active = (await compute(`/servers/${id}`, { microversion: '2.79' })).json.server;
      expect(active).toMatchObject({
        status: 'ACTIVE',
        'OS-EXT-STS:task_state': null,
        'OS-EXT-AZ:availability_zone': 'nova',
        security_groups: [{ name: 'default' }],
      });
      expect(active.hostId).toMatch(/^[0-9a-f]{56}$/);
      expect(active['OS-SRV-USG:launched_at']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000000$/);
    });

    it('walks the BUILD task states scheduling -> block_device_mapping -> spawning', async () => {
      cloud.setServerBehaviour({ pollsUntilActive: 3 });
      const id = await create();
      const seen: string[] = [];
      for (let reads = 0; reads < 4; reads += 1) {
        const server = (await compute(`/servers/${id}`)).json.server;
        seen.push(`${server.status}/${server['OS-EXT-STS:task_state']}`);
      }
      expect(seen).toEqual([
        'BUILD/scheduling',
        'BUILD/block_device_mapping',
        'BUILD/spawning',
        'ACTIVE/null',
      ]);

      // By time alone, the task states come in the same order.
      cloud.setServerBehaviour({ pollsUntilActive: 0, bootDelayMs: 450 });
      const timed = await create({ name: 'timed' });
      const states: string[] = [];
      for (let reads = 0; reads < 200; reads += 1) {
        const server = (await compute(`/servers/${timed}`)).json.server;
        const state = server.status === 'BUILD' ? server['OS-EXT-STS:task_state'] : server.status;
        if (states[states.length - 1] !== state) states.push(state);
        if (server.status !== 'BUILD') break;
        await sleep(20);
      }
      expect(states[0]).toBe('scheduling');
      expect(states[states.length - 1]).toBe('ACTIVE');
      const order = ['scheduling', 'block_device_mapping', 'spawning', 'ACTIVE'];
      expect(states.map((state) => order.indexOf(state))).toEqual(
        [...states.map((state) => order.indexOf(state))].sort(),
      );
    });

    it('rejects a behaviour with a negative delay or a fractional poll count, naming the field', () => {
      expect(() => cloud.setServerBehaviour({ actionDelayMs: -1 })).toThrow(
        'setServerBehaviour(): actionDelayMs must be a number of milliseconds >= 0 (Infinity allowed), got -1',
      );
      expect(() =>
        cloud.setServerBehaviour({ pollsUntilActive: 1.5 }, { namePrefix: 'svc-' }),
      ).toThrow(
        'setServerBehaviour(…, { namePrefix: "svc-" }): pollsUntilActive must be an integer >= 0, got 1.5',
      );
    });

    it('stays BUILD for pollsUntilActive polls, then ACTIVE with an address from the subnet', async () => {
      cloud.setServerBehaviour({ pollsUntilActive: 2 });
      const id = await create();
      const first = await compute(`/servers/${id}`, { microversion: '2.79' });
      expect(first.json.server).toMatchObject({
        status: 'BUILD',
        addresses: {},
        hostId: '',
        'OS-EXT-AZ:availability_zone': '',
        'OS-EXT-STS:vm_state': 'building',
        'OS-EXT-STS:power_state': 0,
        'OS-SRV-USG:launched_at': null,
      });
      expect(first.json.server.security_groups).toBeUndefined();
      expect((await compute(`/servers/${id}`)).json.server.status).toBe('BUILD');
      const active = (await compute(`/servers/${id}`, { microversion: '2.79' })).json.server;
      expect(active).toMatchObject({
        status: 'ACTIVE',
        'OS-EXT-STS:vm_state': 'active',
        'OS-EXT-STS:task_state': null,
        'OS-EXT-STS:power_state': 1,
      });
      expect(active['OS-SRV-USG:launched_at']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
      expect(active.addresses.test).toEqual([
        {
          version: 4,
          addr: '192.168.222.2',
          'OS-EXT-IPS:type': 'fixed',
          'OS-EXT-IPS-MAC:mac_addr': expect.stringMatching(/^fa:16:3e(:[0-9a-f]{2}){3}$/),
        },
      ]);
    });

    it('waits bootDelayMs before ACTIVE', async () => {
      cloud.setServerBehaviour({ bootDelayMs: 300 });
      const id = await create();
      expect((await compute(`/servers/${id}`)).json.server.status).toBe('BUILD');
      await sleep(350);
      expect((await compute(`/servers/${id}`)).json.server.status).toBe('ACTIVE');
    });

    it('reports the address the behaviour gives (e.g. a real local service) and delays it by addressDelayMs', async () => {
      cloud.setServerBehaviour({
        address: (server) => (server.name === 'srv' ? '127.0.10.7' : undefined),
        addressDelayMs: 250,
      });
      const id = await create();
      expect((await compute(`/servers/${id}`)).json.server.status).toBe('BUILD');
      const noAddress = (await compute(`/servers/${id}`)).json.server;
      expect(noAddress.status).toBe('ACTIVE');
      expect(noAddress.addresses).toEqual({});
      await sleep(300);
      expect((await compute(`/servers/${id}`)).json.server.addresses.test[0].addr).toBe(
        '127.0.10.7',
      );
      const ports = await network(`/v2.0/ports?device_id=${id}`);
      expect(ports.json.ports).toHaveLength(1);
      expect(ports.json.ports[0]).toMatchObject({
        device_owner: 'compute:nova',
        fixed_ips: [expect.objectContaining({ ip_address: '127.0.10.7' })],
      });
    });

    it('never gives an address when addressDelayMs is Infinity', async () => {
      cloud.setServerBehaviour({ addressDelayMs: Infinity, pollsUntilActive: 0 });
      const id = await create();
      expect((await compute(`/servers/${id}`)).json.server).toMatchObject({
        status: 'ACTIVE',
        addresses: {},
      });
    });

    it('goes to ERROR with the fault from failWith (2.1 and 2.79 shapes)', async () => {
      cloud.setServerBehaviour({
        failWith: { message: 'No valid host was found. There are not enough hosts available.' },
      });
      const id = await create();
      expect((await compute(`/servers/${id}`)).json.server.status).toBe('BUILD');
      const server = (await compute(`/servers/${id}`, { microversion: '2.79' })).json.server;
      expect(server.status).toBe('ERROR');
      expect(server['OS-EXT-STS:vm_state']).toBe('error');
      expect(server.fault).toEqual({
        code: 500,
        created: expect.stringMatching(/Z$/),
        message: 'No valid host was found. There are not enough hosts available.',
      });
      expect(server.progress).toBeUndefined();
      expect(server.security_groups).toBeUndefined();
      const listed = await compute('/servers?status=ERROR');
      expect(listed.json.servers.map((s: Json) => s.id)).toEqual([id]);
    });

    it('applies per-name-prefix overrides over the default', async () => {
      cloud.setServerBehaviour({ pollsUntilActive: 5 });
      cloud.setServerBehaviour(
        { failWith: { message: 'boom', code: 409, details: 'why' } },
        { namePrefix: 'bad-' },
      );
      cloud.setServerBehaviour({ pollsUntilActive: 0 }, { namePrefix: 'bad-fast-' });
      const slow = await create({ name: 'good-1' });
      const bad = await create({ name: 'bad-fast-1' });
      expect((await compute(`/servers/${slow}`)).json.server.status).toBe('BUILD');
      const failed = (await compute(`/servers/${bad}`)).json.server;
      expect(failed.status).toBe('ERROR');
      expect(failed.fault).toMatchObject({ code: 409, message: 'boom', details: 'why' });
    });

    it('renders the flavor by reference before 2.47, embedded from 2.47, and hostname from 2.90', async () => {
      const id = await create();
      const v21 = (await compute(`/servers/${id}`)).json.server;
      expect(v21.flavor).toEqual({
        id: '1',
        links: [{ rel: 'bookmark', href: expect.stringMatching(/\/compute\/flavors\/1$/) }],
      });
      expect(v21.locked).toBeUndefined();
      expect(v21.tags).toBeUndefined();
      const v247 = (await compute(`/servers/${id}`, { microversion: '2.47' })).json.server;
      expect(v247.flavor).toEqual({
        vcpus: 1,
        ram: 512,
        disk: 1,
        ephemeral: 0,
        swap: 0,
        original_name: 'm1.tiny',
        extra_specs: {},
      });
      expect(v247['OS-EXT-SRV-ATTR:hostname']).toBeUndefined();
      const v293 = (await compute(`/servers/${id}`, { microversion: '2.93' })).json.server;
      expect(v293['OS-EXT-SRV-ATTR:hostname']).toBe('srv');
      expect(v293).toMatchObject({
        locked: false,
        locked_reason: null,
        description: null,
        tags: [],
        server_groups: [],
      });
    });

    it('seeds a server directly, ACTIVE with an address, for restart-recovery tests', async () => {
      const seeded = cloud.seedServer({ name: 'service-auto-1', metadata: { group: 'g1' } });
      const server = (await compute(`/servers/${seeded.id}`)).json.server;
      expect(server).toMatchObject({
        name: 'service-auto-1',
        status: 'ACTIVE',
        metadata: { group: 'g1' },
      });
      expect(server.addresses.test[0].addr).toMatch(/^192\.168\.222\./);
    });
  });

  describe('list', () => {
    it('filters by name as a regex, by status, and lists newest first', async () => {
      const a = await createActive({ name: 'cap-srv-a' });
      await sleep(5);
      const b = await createActive({ name: 'cap-srv-b' });
      await createActive({ name: 'other' });
      const prefix = await compute('/servers?name=cap-srv');
      expect(prefix.json.servers.map((s: Json) => s.id)).toEqual([b, a]);
      expect(prefix.json.servers[0]).toEqual({
        id: b,
        name: 'cap-srv-b',
        links: expect.any(Array),
      });
      const exact = await compute('/servers?name=^cap-srv-a$');
      expect(exact.json.servers.map((s: Json) => s.id)).toEqual([a]);
      expect((await compute('/servers?status=ACTIVE')).json.servers).toHaveLength(3);
      expect((await compute('/servers?status=BOGUS')).json).toEqual({
        badRequest: { code: 400, message: 'Invalid status value' },
      });
    });

    it('paginates with limit/marker and a servers_links next href', async () => {
      for (let i = 0; i < 3; i += 1) {
        await createActive({ name: `p-${i}` });
        await sleep(2);
      }
      const page1 = await compute('/servers/detail?limit=2', { microversion: '2.79' });
      expect(page1.json.servers).toHaveLength(2);
      expect(page1.json.servers[0].status).toBe('ACTIVE');
      const next = page1.json.servers_links[0];
      expect(next.rel).toBe('next');
      expect(next.href).toContain(`${cloud.endpoints.compute}/servers/detail?limit=2&marker=`);
      const page2 = await wire(next.href, { token: await login(cloud) });
      expect(page2.json.servers).toHaveLength(1);
      expect(page2.json.servers_links).toBeUndefined();
      expect((await compute('/servers?marker=nope')).status).toBe(400);
    });

    it('filters on tags from 2.26', async () => {
      const tagged = await create({ name: 't1', tags: ['pool-p1'] }, '2.52');
      await create({ name: 't2' });
      const reply = await compute('/servers?tags=pool-p1', { microversion: '2.26' });
      expect(reply.json.servers.map((s: Json) => s.id)).toEqual([tagged]);
      const notTagged = await compute('/servers?not-tags=pool-p1', { microversion: '2.26' });
      expect(notTagged.json.servers.map((s: Json) => s.name)).toEqual(['t2']);
    });
  });

  describe('delete', () => {
    it('answers 204, keeps the server listed as deleting for a moment (the default), then 404 itemNotFound', async () => {
      const id = await createActive();
      const deletedAtMs = Date.now();
      expect((await compute(`/servers/${id}`, { method: 'DELETE' })).status).toBe(204);
      // Nova answers the DELETE before the compute host has torn the server down (api-ref 2.1).
      expect((await compute(`/servers/${id}`, { microversion: '2.79' })).json.server).toMatchObject(
        {
          status: 'ACTIVE',
          'OS-EXT-STS:task_state': 'deleting',
        },
      );
      expect((await compute('/servers')).json.servers.map((s: Json) => s.id)).toEqual([id]);
      let gone = await compute(`/servers/${id}`);
      while (gone.status !== 404 && Date.now() - deletedAtMs < 2_000) {
        await sleep(10);
        gone = await compute(`/servers/${id}`);
      }
      expect(gone.status).toBe(404);
      expect(gone.json).toEqual({
        itemNotFound: { code: 404, message: `Instance ${id} could not be found.` },
      });
      expect((await compute(`/servers/${id}`, { method: 'DELETE' })).status).toBe(404);
    });

    it('goes deleting -> DELETED -> 404 like the devcloud, and lists destroyed servers with changes-since', async () => {
      cloud.setServerBehaviour({ deleteDelayMs: 250, deletedStatusMs: 250 });
      const since = new Date(Date.now() - 1000).toISOString();
      const id = await createActive();
      expect((await network(`/v2.0/ports?device_id=${id}`)).json.ports).toHaveLength(1);
      expect((await compute(`/servers/${id}`, { method: 'DELETE' })).status).toBe(204);
      // A second DELETE while it is going changes nothing.
      expect((await compute(`/servers/${id}`, { method: 'DELETE' })).status).toBe(204);
      const deleting = (await compute(`/servers/${id}`, { microversion: '2.79' })).json.server;
      expect(deleting).toMatchObject({
        status: 'ACTIVE',
        'OS-EXT-STS:task_state': 'deleting',
        'OS-EXT-STS:vm_state': 'active',
        security_groups: [{ name: 'default' }],
      });
      const stop = await compute(`/servers/${id}/action`, {
        method: 'POST',
        body: { 'os-stop': null },
      });
      expect(stop.json.conflictingRequest.message).toBe(
        `Cannot 'stop' instance ${id} while it is in task_state deleting`,
      );
      await sleep(300);
      const deleted = (await compute(`/servers/${id}`, { microversion: '2.79' })).json.server;
      expect(deleted).toMatchObject({
        status: 'DELETED',
        'OS-EXT-STS:task_state': null,
        'OS-EXT-STS:vm_state': 'deleted',
        'OS-EXT-STS:power_state': 0,
        addresses: {},
      });
      expect(deleted['OS-SRV-USG:terminated_at']).toMatch(/\.000000$/);
      expect(deleted.security_groups).toBeUndefined();
      expect(deleted.progress).toBeUndefined();
      expect((await network(`/v2.0/ports?device_id=${id}`)).json.ports).toEqual([]);
      expect(
        (await compute('/servers?status=DELETED')).json.servers.map((s: Json) => s.id),
      ).toEqual([id]);
      // It no longer counts towards the quota.
      expect((await compute('/limits')).json.limits.absolute.totalInstancesUsed).toBe(0);
      await sleep(300);
      // Gone from the state without anyone reading it over HTTP (the fake ends deletes on a timer).
      expect(cloud.state.servers.has(id)).toBe(false);
      expect((await compute(`/servers/${id}`)).status).toBe(404);
      expect((await compute('/servers')).json.servers).toEqual([]);
      const changed = await compute(`/servers/detail?changes-since=${encodeURIComponent(since)}`, {
        microversion: '2.79',
      });
      expect(changed.json.servers.map((s: Json) => [s.id, s.status])).toEqual([[id, 'DELETED']]);
    });

    it('is gone at once with deleteDelayMs and deletedStatusMs 0', async () => {
      cloud.setServerBehaviour({ deleteDelayMs: 0, deletedStatusMs: 0 });
      const id = await createActive();
      const reply = await compute(`/servers/${id}`, { method: 'DELETE' });
      expect(reply.status).toBe(204);
      expect(reply.headers.get('content-type')).toBe('application/json');
      expect(cloud.state.servers.has(id)).toBe(false);
    });
  });

  describe('actions', () => {
    it('stops and starts a server, refusing a second stop with 409', async () => {
      cloud.setServerBehaviour({ actionDelayMs: 0 });
      const id = await createActive();
      const stop = await compute(`/servers/${id}/action`, {
        method: 'POST',
        body: { 'os-stop': null },
      });
      expect(stop.status).toBe(202);
      expect(stop.headers.get('content-type')).toBe('application/json');
      expect(stop.text).toBe('');
      const stopped = (await compute(`/servers/${id}`)).json.server;
      expect(stopped).toMatchObject({
        status: 'SHUTOFF',
        'OS-EXT-STS:vm_state': 'stopped',
        'OS-EXT-STS:power_state': 4,
      });
      expect(stopped.progress).toBeUndefined();
      const again = await compute(`/servers/${id}/action`, {
        method: 'POST',
        body: { 'os-stop': null },
      });
      expect(again.status).toBe(409);
      expect(again.json.conflictingRequest.message).toBe(
        `Cannot 'stop' instance ${id} while it is in vm_state stopped`,
      );
      expect(
        (await compute(`/servers/${id}/action`, { method: 'POST', body: { 'os-start': null } }))
          .status,
      ).toBe(202);
      expect((await compute(`/servers/${id}`)).json.server.status).toBe('ACTIVE');
    });

    it('shows powering-off, then SHUTOFF, and powering-on, then ACTIVE (actionDelayMs, default 100)', async () => {
      const id = await createActive();
      await compute(`/servers/${id}/action`, { method: 'POST', body: { 'os-stop': null } });
      expect((await compute(`/servers/${id}`)).json.server).toMatchObject({
        status: 'ACTIVE',
        'OS-EXT-STS:task_state': 'powering-off',
        'OS-EXT-STS:vm_state': 'active',
        'OS-EXT-STS:power_state': 1,
      });
      // Finished on a timer: the state says SHUTOFF without an HTTP read.
      for (let i = 0; i < 100 && cloud.state.servers.get(id)?.status !== 'SHUTOFF'; i += 1)
        await sleep(20);
      expect(cloud.state.servers.get(id)).toMatchObject({ status: 'SHUTOFF', taskState: null });
      cloud.setServerBehaviour({ actionDelayMs: 200 });
      await compute(`/servers/${id}/action`, { method: 'POST', body: { 'os-start': null } });
      expect((await compute(`/servers/${id}`)).json.server).toMatchObject({
        status: 'SHUTOFF',
        'OS-EXT-STS:task_state': 'powering-on',
      });
      await sleep(250);
      expect((await compute(`/servers/${id}`)).json.server).toMatchObject({
        status: 'ACTIVE',
        'OS-EXT-STS:task_state': null,
      });
    });

    it('shelves (shelving, then SHELVED_OFFLOADED) and unshelves (unshelving, then ACTIVE) as the api samples send them', async () => {
      cloud.setServerBehaviour({ actionDelayMs: 200 });
      const id = await createActive();
      const shelve = await compute(`/servers/${id}/action`, {
        method: 'POST',
        body: { shelve: null },
      });
      expect(shelve.status).toBe(202);
      expect(shelve.text).toBe('');
      expect((await compute(`/servers/${id}`)).json.server).toMatchObject({
        status: 'ACTIVE',
        'OS-EXT-STS:task_state': 'shelving',
      });
      const busy = await compute(`/servers/${id}/action`, {
        method: 'POST',
        body: { unshelve: null },
      });
      expect(busy.json.conflictingRequest.message).toBe(
        `Cannot 'unshelve' instance ${id} while it is in task_state shelving`,
      );
      await sleep(250);
      expect((await compute(`/servers/${id}`)).json.server).toMatchObject({
        status: 'SHELVED_OFFLOADED',
        'OS-EXT-STS:vm_state': 'shelved_offloaded',
        'OS-EXT-STS:task_state': null,
        'OS-EXT-STS:power_state': 0,
      });
      const startShelved = await compute(`/servers/${id}/action`, {
        method: 'POST',
        body: { 'os-start': null },
      });
      expect(startShelved.status).toBe(409);
      expect(
        (await compute(`/servers/${id}/action`, { method: 'POST', body: { unshelve: null } }))
          .status,
      ).toBe(202);
      expect((await compute(`/servers/${id}`)).json.server).toMatchObject({
        status: 'SHELVED_OFFLOADED',
        'OS-EXT-STS:task_state': 'unshelving',
      });
      await sleep(250);
      expect((await compute(`/servers/${id}`)).json.server).toMatchObject({
        status: 'ACTIVE',
        'OS-EXT-STS:power_state': 1,
      });
    });

    it('shelves a SHUTOFF server too, and refuses to unshelve one that is not shelved', async () => {
      cloud.setServerBehaviour({ actionDelayMs: 0 });
      const id = await createActive();
      const notShelved = await compute(`/servers/${id}/action`, {
        method: 'POST',
        body: { unshelve: null },
      });
      expect(notShelved.status).toBe(409);
      expect(notShelved.json.conflictingRequest.message).toBe(
        `Cannot 'unshelve' instance ${id} while it is in vm_state active`,
      );
      await compute(`/servers/${id}/action`, { method: 'POST', body: { 'os-stop': null } });
      expect(
        (await compute(`/servers/${id}/action`, { method: 'POST', body: { shelve: null } })).status,
      ).toBe(202);
      expect(cloud.state.servers.get(id)?.status).toBe('SHELVED_OFFLOADED');
    });

    it('lists os-instance-actions newest first, updated_at (2.58+) when the work finished', async () => {
      cloud.setServerBehaviour({ actionDelayMs: 100 });
      const id = await createActive();
      await compute(`/servers/${id}/action`, { method: 'POST', body: { 'os-stop': null } });
      const running = (
        await compute(`/servers/${id}/os-instance-actions`, { microversion: '2.58' })
      ).json.instanceActions;
      expect(running.map((entry: { action: string }) => entry.action)).toEqual(['stop', 'create']);
      expect(running[0].updated_at).toBe(running[0].start_time);
      await sleep(150);
      await compute(`/servers/${id}`);
      const [stop, create] = (
        await compute(`/servers/${id}/os-instance-actions`, { microversion: '2.58' })
      ).json.instanceActions;
      expect(stop).toMatchObject({
        action: 'stop',
        instance_uuid: id,
        message: null,
        request_id: expect.stringMatching(/^req-/),
      });
      // Whole seconds, as Nova's DATETIME columns keep them.
      expect(stop.start_time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000000$/);
      expect(Date.parse(`${stop.updated_at}Z`)).toBeGreaterThanOrEqual(
        Date.parse(`${stop.start_time}Z`),
      );
      expect(
        cloud.state.servers.get(id)?.actions?.map((entry) => entry.finishMs !== undefined),
      ).toEqual([true, true]);
      expect(create.action).toBe('create');
      const old = (await compute(`/servers/${id}/os-instance-actions`, { microversion: '2.57' }))
        .json.instanceActions;
      expect(old[0].updated_at).toBeUndefined();
    });

    it('refuses to start an ERROR server with 409 "is not ready"', async () => {
      cloud.setServerBehaviour({ failWith: { message: 'x' } });
      const id = await create();
      const reply = await compute(`/servers/${id}/action`, {
        method: 'POST',
        body: { 'os-start': null },
      });
      expect(reply.json).toEqual({
        conflictingRequest: { code: 409, message: `Instance ${id} is not ready` },
      });
    });

    it('createImage at 2.45+ returns image_id; the image goes queued -> saving -> active', async () => {
      cloud.setImageBehaviour({ snapshotDelayMs: 300 });
      const id = await createActive();
      const reply = await compute(`/servers/${id}/action`, {
        method: 'POST',
        body: { createImage: { name: 'golden', metadata: { service_version: '1.2.3' } } },
        microversion: '2.45',
      });
      expect(reply.status).toBe(202);
      expect(reply.headers.get('location')).toBeNull();
      const imageId = reply.json.image_id;
      const queued = await image(`/v2/images/${imageId}`, {
        headers: { Accept: 'application/json' },
      });
      expect(queued.json).toMatchObject({
        status: 'queued',
        name: 'golden',
        service_version: '1.2.3',
        image_type: 'snapshot',
        instance_uuid: id,
      });
      expect((await compute(`/servers/${id}`)).json.server['OS-EXT-STS:task_state']).toBe(
        'image_snapshot_pending',
      );
      const conflict = await compute(`/servers/${id}/action`, {
        method: 'POST',
        body: { createImage: { name: 'again' } },
      });
      expect(conflict.status).toBe(409);
      await sleep(150);
      expect((await image(`/v2/images/${imageId}`)).json.status).toBe('saving');
      await sleep(200);
      const active = (await image(`/v2/images/${imageId}`)).json;
      expect(active.status).toBe('active');
      expect(active.size).toBeGreaterThan(0);
      expect((await compute(`/servers/${id}`)).json.server['OS-EXT-STS:task_state']).toBeNull();
    });

    it('resets the task_state when the snapshot image is deleted mid-upload, as Nova does', async () => {
      cloud.setImageBehaviour({ snapshotDelayMs: 60_000 });
      const id = await createActive();
      const { image_id: imageId } = (
        await compute(`/servers/${id}/action`, {
          method: 'POST',
          body: { createImage: { name: 'half' } },
          microversion: '2.45',
        })
      ).json;
      expect((await compute(`/servers/${id}`)).json.server['OS-EXT-STS:task_state']).toBe(
        'image_snapshot_pending',
      );
      expect((await image(`/v2/images/${imageId}`, { method: 'DELETE' })).status).toBe(204);
      expect((await compute(`/servers/${id}`)).json.server['OS-EXT-STS:task_state']).toBeNull();
      const again = await compute(`/servers/${id}/action`, {
        method: 'POST',
        body: { createImage: { name: 'retry' } },
        microversion: '2.45',
      });
      expect(again.status).toBe(202);
    });

    it('createImage before 2.45 answers with the image URL in Location (no /v2, as the real cloud)', async () => {
      const id = await createActive();
      const reply = await compute(`/servers/${id}/action`, {
        method: 'POST',
        body: { createImage: { name: 'old-style' } },
      });
      expect(reply.status).toBe(202);
      expect(reply.text).toBe('');
      const location = reply.headers.get('location') ?? '';
      expect(location).toMatch(new RegExp(`^${cloud.endpoints.image}/images/[0-9a-f-]{36}$`));
      expect(cloud.state.images.has(location.slice(location.lastIndexOf('/') + 1))).toBe(true);
    });

    it('serves the deprecated image proxy up to 2.35 (a snapshot with its server link) and 404s it from 2.36', async () => {
      cloud.setImageBehaviour({ snapshotDelayMs: 0 });
      const id = await createActive();
      const { image_id: imageId } = (
        await compute(`/servers/${id}/action`, {
          method: 'POST',
          body: { createImage: { name: 'snap', metadata: { k: 'v' } } },
          microversion: '2.45',
        })
      ).json;
      // Shape of captures/nova/37-nova-images-proxy-get-snapshot.txt.
      const proxied = await compute(`/images/${imageId}`);
      expect(proxied.status).toBe(200);
      expect(proxied.json.image).toMatchObject({
        id: imageId,
        name: 'snap',
        minRam: 0,
        minDisk: 1,
        status: 'ACTIVE',
        progress: 100,
        metadata: expect.objectContaining({ k: 'v', image_type: 'snapshot', instance_uuid: id }),
        server: { id, links: expect.any(Array) },
      });
      expect(proxied.json.image['OS-EXT-IMG-SIZE:size']).toBeGreaterThan(0);
      expect(proxied.json.image.links[2]).toEqual({
        rel: 'alternate',
        type: 'application/vnd.openstack.image',
        href: `${cloud.endpoints.image}/images/${imageId}`,
      });
      const names = (await compute('/images')).json.images.map((i: Json) => i.name).sort();
      expect(names).toEqual(['snap', 'ubuntu']);
      const missing = await compute('/images/00000000-0000-0000-0000-000000000000');
      expect(missing.json).toEqual({ itemNotFound: { code: 404, message: 'Image not found.' } });
      // captures/nova/37b-nova-images-proxy-2.36.txt
      const gone = await compute(`/images/${imageId}`, { microversion: '2.36' });
      expect(gone.json).toEqual({
        itemNotFound: { code: 404, message: 'The resource could not be found.' },
      });
    });

    it('a snapshot can end killed when the image behaviour says so', async () => {
      cloud.setImageBehaviour({ snapshotDelayMs: 0, snapshotOutcome: 'killed' });
      const id = await createActive();
      const { image_id: imageId } = (
        await compute(`/servers/${id}/action`, {
          method: 'POST',
          body: { createImage: { name: 'k' } },
          microversion: '2.45',
        })
      ).json;
      expect((await image(`/v2/images/${imageId}`)).json.status).toBe('killed');
    });

    it('returns console output set per server or by behaviour, honouring length', async () => {
      cloud.setServerBehaviour({ consoleOutput: (s) => `boot of ${s.name}\nline 2\nREADY\n` });
      const id = await createActive();
      const all = await compute(`/servers/${id}/action`, {
        method: 'POST',
        body: { 'os-getConsoleOutput': {} },
      });
      expect(all.json).toEqual({ output: 'boot of srv\nline 2\nREADY\n' });
      const tail = await compute(`/servers/${id}/action`, {
        method: 'POST',
        body: { 'os-getConsoleOutput': { length: 1 } },
      });
      expect(tail.json.output).toBe('READY\n');
      cloud.setConsoleOutput(id, 'custom');
      expect(
        (
          await compute(`/servers/${id}/action`, {
            method: 'POST',
            body: { 'os-getConsoleOutput': { length: null } },
          })
        ).json.output,
      ).toBe('custom');
    });

    it('rejects an unknown action and actions on a missing server', async () => {
      const id = await create();
      expect(
        (await compute(`/servers/${id}/action`, { method: 'POST', body: { 'os-fly': null } })).json
          .badRequest.message,
      ).toBe('There is no such action: os-fly');
      const missing = await compute('/servers/not-a-uuid/action', {
        method: 'POST',
        body: { 'os-stop': null },
      });
      expect(missing.json).toEqual({
        itemNotFound: { code: 404, message: 'Instance not-a-uuid could not be found.' },
      });
    });
  });

  describe('metadata and tags', () => {
    it('reads, merges, replaces and deletes metadata', async () => {
      const id = await create({ metadata: { group: 'g1' } });
      expect((await compute(`/servers/${id}/metadata`)).json).toEqual({
        metadata: { group: 'g1' },
      });
      expect(
        (
          await compute(`/servers/${id}/metadata`, {
            method: 'POST',
            body: { metadata: { reason: 'scale-out' } },
          })
        ).json.metadata,
      ).toEqual({
        group: 'g1',
        reason: 'scale-out',
      });
      expect((await compute(`/servers/${id}/metadata/reason`)).json).toEqual({
        meta: { reason: 'scale-out' },
      });
      expect((await compute(`/servers/${id}/metadata/reason`, { method: 'DELETE' })).status).toBe(
        204,
      );
      expect(
        (
          await compute(`/servers/${id}/metadata`, {
            method: 'PUT',
            body: { metadata: { only: 'x' } },
          })
        ).json.metadata,
      ).toEqual({ only: 'x' });
      expect((await compute(`/servers/${id}/metadata/nope`)).status).toBe(404);
    });

    it('manages tags from 2.26 (201 then 204) and 404s the routes below it', async () => {
      const id = await create();
      expect((await compute(`/servers/${id}/tags/x`, { method: 'PUT' })).status).toBe(404);
      const added = await compute(`/servers/${id}/tags/pool-p1`, {
        method: 'PUT',
        microversion: '2.26',
      });
      expect(added.status).toBe(201);
      expect(added.headers.get('content-type')).toBe('text/html; charset=UTF-8');
      expect(added.headers.get('location')).toBe(
        `${cloud.endpoints.compute}/servers/${id}/tags/pool-p1`,
      );
      const again = await compute(`/servers/${id}/tags/pool-p1`, {
        method: 'PUT',
        microversion: '2.26',
      });
      expect([again.status, again.headers.get('content-type')]).toEqual([
        204,
        'text/html; charset=UTF-8',
      ]);
      expect((await compute(`/servers/${id}/tags/pool-p1`, { microversion: '2.26' })).status).toBe(
        204,
      );
      const missing = await compute(`/servers/${id}/tags/nope`, { microversion: '2.26' });
      expect(missing.json.itemNotFound.message).toBe(`Server ${id} has no tag 'nope'`);
      const replaced = await compute(`/servers/${id}/tags`, {
        method: 'PUT',
        body: { tags: ['pool-p1', 'autoscaler'] },
        microversion: '2.26',
      });
      expect(replaced.json).toEqual({ tags: ['autoscaler', 'pool-p1'] });
      expect(
        (await compute(`/servers/${id}/tags/a,b`, { method: 'PUT', microversion: '2.26' })).status,
      ).toBe(400);
      expect(
        (
          await compute(`/servers/${id}/tags/autoscaler`, {
            method: 'DELETE',
            microversion: '2.26',
          })
        ).status,
      ).toBe(204);
      expect((await compute(`/servers/${id}/tags`, { microversion: '2.26' })).json.tags).toEqual([
        'pool-p1',
      ]);
    });
  });

  it('reports limits with usage', async () => {
    await create();
    const reply = await compute('/limits');
    expect(reply.json.limits.absolute).toMatchObject({
      maxTotalInstances: 10,
      totalInstancesUsed: 1,
      totalCoresUsed: 1,
      totalRAMUsed: 512,
    });
  });
});
