/**
 * Acceptance, servers: create -> ACTIVE -> address -> (the workload answers on it) -> console
 * output -> stop -> SHUTOFF -> createImage -> image active -> boot from it -> delete -> 404, and
 * the real Nova errors on the way (409s, 400s for bad create requests, a server that goes ERROR).
 * Every server and image is deleted in afterAll (registered as soon as Nova returns the id).
 *
 * Then the quota: with an admin cloud, lower the project's instance quota to what it already
 * uses, hit it (Nova 403 "Quota exceeded for instances"), and ALWAYS put it back. It lives in this
 * file so that it never overlaps this file's server creates (jest runs one file's tests in order).
 */
import {
  BadRequestError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  OpenStackClient,
  OpenStackHttpError,
  QuotaExceededError,
  ServerFaultError,
  extractAddress,
  type Server,
} from '../src';
import {
  AcceptanceCleanup,
  acceptanceSettings,
  assertLoopback,
  cleanupImage,
  cleanupServer,
  clientFromEnvironment,
  describeWithCloud,
  httpGet,
  isDevcloud,
  isLoopbackIPv4,
  runTag,
  serviceUserData,
  waitForHttp200,
  waitOptions,
} from './devcloud-acceptance-support';

const BOOT_TIMEOUT_MS = 120_000;

async function failureOf(promise: Promise<unknown>): Promise<OpenStackHttpError> {
  const outcome = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(outcome instanceof OpenStackHttpError))
    throw new Error(
      `expected an OpenStackHttpError, got ${outcome === undefined ? 'success' : String(outcome)}`,
    );
  return outcome;
}

/** Polls the console log until it matches (the workload writes a moment after ACTIVE). */
async function waitForConsole(
  client: OpenStackClient,
  serverId: string,
  pattern: RegExp,
  timeoutMs: number,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const output = await client.compute.servers.consoleOutput(serverId);
    if (pattern.test(output)) return output;
    if (Date.now() >= deadline)
      throw new Error(
        `console of ${serverId} never matched ${pattern} within ${timeoutMs} ms; it reads:\n${output}`,
      );
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** GETs the server until Nova answers 404 (resolving means it never did within `timeoutMs`). */
async function eventually404(
  client: OpenStackClient,
  serverId: string,
  timeoutMs: number,
): Promise<Server> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const server = await client.compute.servers.get(serverId); // rejects with the 404
    if (Date.now() >= deadline) return server;
    await new Promise((r) => setTimeout(r, 250));
  }
}

describeWithCloud(
  'openstack-client acceptance: server lifecycle, snapshots, console, Nova errors (real cloud)',
  () => {
    jest.setTimeout(180_000);
    const tag = runTag();
    const cleanup = new AcceptanceCleanup();
    let client: OpenStackClient;
    let imageId: string;
    let flavorId: string;
    let networkId: string;
    const network = acceptanceSettings.network;

    beforeAll(async () => {
      client = clientFromEnvironment();
      const image = await client.image.images.findByName(acceptanceSettings.baseImage);
      if (!image)
        throw new Error(`image "${acceptanceSettings.baseImage}" not found (set OSA_ACC_IMAGE)`);
      imageId = image.id;
      flavorId = (await client.compute.flavors.find(acceptanceSettings.flavor)).id;
      networkId = (await client.network.networks.find(network)).id;
    });
    afterAll(async () => {
      try {
        await cleanup.runAll();
      } finally {
        client.close();
      }
    });

    /** Creates a server and registers its deletion before anything else can fail. */
    async function createServer(
      name: string,
      options: { image?: string; metadata?: Record<string, string>; userData?: string } = {},
    ): Promise<string> {
      const ref = await client.compute.servers.create({
        name,
        imageId: options.image ?? imageId,
        flavorId,
        networks: [{ uuid: networkId }],
        metadata: { 'osa:acceptance': tag, ...options.metadata },
        ...(options.userData === undefined ? {} : { userData: options.userData }),
      });
      cleanupServer(cleanup, client, ref.id);
      return ref.id;
    }

    it('create -> ACTIVE -> address -> console -> stop -> SHUTOFF -> createImage -> boot from it -> delete -> 404', async () => {
      // --- create and boot, with user data that installs and enables the service (on the
      // devcloud the workload runner applies it; the snapshot below then carries the enabled unit)
      const name = `${tag}-vm`;
      const serverId = await createServer(name, {
        userData: serviceUserData(acceptanceSettings.servicePort),
      });
      const building = await client.compute.servers.get(serverId);
      expect(['BUILD', 'ACTIVE']).toContain(building.status);
      const active = await client.compute.servers.waitForStatus(serverId, {
        target: 'ACTIVE',
        ...waitOptions(`${name} booting`, BOOT_TIMEOUT_MS),
      });
      expect(active).toMatchObject({
        id: serverId,
        name,
        status: 'ACTIVE',
        vmState: 'active',
        powerState: 1,
        imageId,
      });
      expect(active.taskState).toBeUndefined();
      expect(active.metadata).toEqual({ 'osa:acceptance': tag });
      expect(active.securityGroups).toEqual(['default']);
      // From 2.47 the flavor is embedded, without id.
      expect(active.flavor).toMatchObject({ originalName: acceptanceSettings.flavor });

      // --- its address, on the network we asked for, and the port Neutron made for it
      const address = extractAddress(active, { networkName: network });
      expect(active.addresses[network]).toEqual([
        expect.objectContaining({
          address,
          version: 4,
          type: 'fixed',
          macAddress: expect.stringMatching(/^fa:16:3e:/),
        }),
      ]);
      const ports = await client.network.ports.listByDevice(serverId);
      expect(ports).toEqual([
        expect.objectContaining({
          networkId,
          deviceOwner: 'compute:nova',
          status: 'ACTIVE',
          fixedIps: [expect.objectContaining({ ipAddress: address })],
        }),
      ]);
      if (isDevcloud()) expect(address).toMatch(/^127\.200\.0\.\d+$/);

      // --- the workload answers at that address (only ever contacted inside 127/8)
      if (isLoopbackIPv4(address)) {
        assertLoopback(address, `address of ${name}`);
        const health = await waitForHttp200(
          address,
          acceptanceSettings.servicePort,
          '/healthz',
          30_000,
        );
        expect(JSON.parse(health.body)).toMatchObject({
          status: 'ok',
          address: `${address}:${acceptanceSettings.servicePort}`,
        });
        const work = await httpGet(address, acceptanceSettings.servicePort, '/work');
        expect(work.status).toBe(200);
        expect(work.headers['x-instance-address']).toBe(
          `${address}:${acceptanceSettings.servicePort}`,
        );
        expect(work.body).toMatch(/^hello 1 from /);
      } else {
        process.stderr.write(
          `[acceptance] ${name} has address ${address}, outside 127.0.0.0/8: not contacted\n`,
        );
      }

      // --- console output: devcloud's banner, then the service's start line (the runner prints
      // a unit's output as `service-app[<pid>]: ...`)
      if (isDevcloud()) {
        const consoleText = await waitForConsole(
          client,
          serverId,
          /service: listening on /,
          30_000,
        );
        expect(consoleText).toMatch(/\[devcloud\].*starting workload/);
        expect(consoleText).toContain(
          `service: listening on ${address}:${acceptanceSettings.servicePort}`,
        );
        const lastLine = await client.compute.servers.consoleOutput(serverId, { length: 1 });
        expect(lastLine.trim().split('\n')).toHaveLength(1);
      } else {
        expect(typeof (await client.compute.servers.consoleOutput(serverId))).toBe('string');
      }

      // --- listing: Nova's name filter is a regex; exactName anchors it; metadata filter is client side
      const exact = await client.compute.servers.list({ exactName: name }).toArray();
      expect(exact.map((s) => s.id)).toEqual([serverId]);
      const byMetadata = await client.compute.servers
        .list({ name: tag, metadata: { 'osa:acceptance': tag } })
        .toArray();
      expect(byMetadata.map((s) => s.id)).toContain(serverId);

      // --- stop -> SHUTOFF; the workload is gone; a second stop is 409
      await client.compute.servers.stop(serverId);
      const stopped = await client.compute.servers.waitForStatus(serverId, {
        target: 'SHUTOFF',
        ...waitOptions(`${name} stopping`, 60_000),
      });
      expect(stopped).toMatchObject({ status: 'SHUTOFF', vmState: 'stopped', powerState: 4 });
      expect(stopped.progress).toBeUndefined();
      if (isDevcloud() && isLoopbackIPv4(address)) {
        await expect(
          httpGet(address, acceptanceSettings.servicePort, '/healthz', 2_000),
        ).rejects.toThrow(/ECONNREFUSED|socket hang up|ECONNRESET/);
      }
      const stopAgain = await failureOf(client.compute.servers.stop(serverId));
      expect(stopAgain).toBeInstanceOf(ConflictError);
      expect(stopAgain).toMatchObject({ status: 409, errorType: 'conflictingRequest' });
      expect(stopAgain.serverMessage).toBe(
        `Cannot 'stop' instance ${serverId} while it is in vm_state stopped`,
      );

      // --- snapshot (2.45+: the image id comes in the body)
      const snapshotName = `${tag}-snapshot`;
      const { imageId: snapshotId } = await client.compute.servers.createImage(serverId, {
        name: snapshotName,
        metadata: { osa_acceptance: tag },
      });
      cleanupImage(cleanup, client, snapshotId);
      const snapshot = await client.image.images.waitForStatus(snapshotId, {
        target: 'active',
        ...waitOptions(`snapshot ${snapshotName}`, 120_000),
      });
      expect(snapshot).toMatchObject({
        id: snapshotId,
        name: snapshotName,
        status: 'active',
        visibility: 'private',
      });
      expect(snapshot.properties).toMatchObject({
        image_type: 'snapshot',
        instance_uuid: serverId,
        base_image_ref: imageId,
        osa_acceptance: tag,
      });
      await client.compute.servers.waitForStatus(serverId, {
        target: 'SHUTOFF',
        ...waitOptions(`${name} after snapshot`, 60_000),
      });

      // --- boot a second server from the snapshot, without user data: it gets its own address
      // and answers there, because the snapshot carries the disk with the enabled service
      const cloneName = `${tag}-from-snapshot`;
      const cloneId = await createServer(cloneName, { image: snapshotId });
      const clone = await client.compute.servers.waitForStatus(cloneId, {
        target: 'ACTIVE',
        ...waitOptions(`${cloneName} booting`, BOOT_TIMEOUT_MS),
      });
      expect(clone.imageId).toBe(snapshotId);
      const cloneAddress = extractAddress(clone, { networkName: network });
      expect(cloneAddress).not.toBe(address);
      if (isLoopbackIPv4(cloneAddress)) {
        const work = await waitForHttp200(
          cloneAddress,
          acceptanceSettings.servicePort,
          '/work',
          30_000,
        );
        expect(work.headers['x-instance-address']).toBe(
          `${cloneAddress}:${acceptanceSettings.servicePort}`,
        );
      }

      // --- delete both; GET is 404 afterwards (after a moment of task_state "deleting")
      for (const id of [cloneId, serverId]) {
        expect(await client.compute.servers.delete(id)).toBe(true);
      }
      for (const id of [cloneId, serverId]) {
        await client.compute.servers.waitForDeleted(
          id,
          waitOptions(`server ${id} deleting`, 90_000),
        );
        // Nova may still answer 200 with status DELETED for a moment (waitForDeleted accepts
        // that); the 404 follows.
        const gone = await failureOf(eventually404(client, id, 30_000));
        expect(gone).toBeInstanceOf(NotFoundError);
        expect(gone).toMatchObject({
          status: 404,
          errorType: 'itemNotFound',
          serverMessage: `Instance ${id} could not be found.`,
        });
        expect(await client.compute.servers.delete(id)).toBe(false);
      }
      // The snapshot outlives its server.
      expect((await client.image.images.get(snapshotId)).status).toBe('active');
    });

    it('at microversion 2.1 createImage still yields the image id (from the Location header)', async () => {
      const legacy = new OpenStackClient({
        ...clientConstructorOptions(client),
        computeMicroversion: '2.1',
      });
      try {
        const name = `${tag}-legacy`;
        const serverId = await createServer(name);
        await client.compute.servers.waitForStatus(serverId, {
          target: 'ACTIVE',
          ...waitOptions(`${name} booting`, BOOT_TIMEOUT_MS),
        });
        const legacyView = await legacy.compute.servers.get(serverId);
        // Before 2.47 the flavor is a reference with an id.
        expect(legacyView.flavor).toMatchObject({ id: flavorId });
        const { imageId: snapshotId } = await legacy.compute.servers.createImage(serverId, {
          name: `${tag}-legacy-snapshot`,
        });
        cleanupImage(cleanup, client, snapshotId);
        expect(snapshotId).toMatch(/^[0-9a-f-]{36}$/);
        const image = await client.image.images.waitForStatus(snapshotId, {
          target: 'active',
          ...waitOptions('legacy snapshot', 120_000),
        });
        expect(image.properties).toMatchObject({ image_type: 'snapshot', instance_uuid: serverId });
      } finally {
        legacy.close();
      }
    });

    it('a server whose spawn fails goes ERROR with Nova fault message; starting it is 409', async () => {
      if (!isDevcloud()) return; // fault injection is a devcloud feature
      const name = `${tag}-fails`;
      const serverId = await createServer(name, { metadata: { 'devcloud:fail': 'spawn' } });
      const error = await client.compute.servers
        .waitForStatus(serverId, {
          target: 'ACTIVE',
          ...waitOptions(`${name} booting`, BOOT_TIMEOUT_MS),
        })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(error).toBeInstanceOf(ServerFaultError);
      expect((error as Error).message).toContain('devcloud: injected spawn failure');
      const failed: Server = await client.compute.servers.get(serverId);
      expect(failed).toMatchObject({ status: 'ERROR', vmState: 'error' });
      expect(failed.fault).toMatchObject({
        code: 500,
        message: expect.stringContaining(`Build of instance ${serverId} aborted`),
      });
      expect(failed.progress).toBeUndefined();
      const start = await failureOf(client.compute.servers.start(serverId));
      expect(start).toBeInstanceOf(ConflictError);
      expect(start.serverMessage).toBe(`Instance ${serverId} is not ready`);
    });

    it('bad create requests are Nova 400s with the reason, and create nothing', async () => {
      const base = { name: `${tag}-bad`, imageId, flavorId, networks: [{ uuid: networkId }] };
      const cases: Array<[string, Parameters<typeof client.compute.servers.create>[0], RegExp]> = [
        ['unknown flavor', { ...base, flavorId: '999999' }, /^Flavor 999999 could not be found\.$/],
        [
          'unknown image',
          { ...base, imageId: '00000000-0000-4000-8000-000000000000' },
          /^Can not find requested image$/,
        ],
        [
          'unknown network',
          { ...base, networks: [{ uuid: '00000000-0000-4000-8000-000000000000' }] },
          /^Network 00000000-0000-4000-8000-000000000000 could not be found\.$/,
        ],
        [
          'unknown key pair',
          { ...base, keyName: `${tag}-no-such-key` },
          /^Invalid key_name provided\.$/,
        ],
      ];
      for (const [what, options, message] of cases) {
        const error = await failureOf(client.compute.servers.create(options));
        expect([what, error]).toEqual([what, expect.any(BadRequestError)]);
        expect([what, error.errorType, error.serverMessage]).toEqual([
          what,
          'badRequest',
          expect.stringMatching(message),
        ]);
      }
      expect(await client.compute.servers.list({ exactName: `${tag}-bad` }).toArray()).toEqual([]);
    });
  },
);

/** The same credentials as an existing client (to build a second one with another microversion). */
function clientConstructorOptions(
  client: OpenStackClient,
): ConstructorParameters<typeof OpenStackClient>[0] {
  const options = client.session.options;
  return {
    auth: options.auth,
    regionName: options.regionName,
    interface: options.interface,
    timeoutMs: options.timeoutMs,
  };
}

interface QuotaSet {
  instances: number;
}

/** GET /os-quota-sets/{project}/detail (Nova API reference "Show The Detail of Quota"). */
async function instanceUsage(
  client: OpenStackClient,
  projectId: string,
): Promise<{ limit: number; inUse: number }> {
  const res = await client.session.request('compute', {
    method: 'GET',
    path: `/os-quota-sets/${projectId}/detail`,
  });
  const body = JSON.parse(res.body.toString('utf8')) as {
    quota_set: { instances: { limit: number; in_use: number; reserved: number } };
  };
  return { limit: body.quota_set.instances.limit, inUse: body.quota_set.instances.in_use };
}

/** PUT /os-quota-sets/{project} (admin). Returns the quota set Nova stored. */
async function setInstanceQuota(
  client: OpenStackClient,
  projectId: string,
  instances: number,
): Promise<QuotaSet> {
  const res = await client.session.request('compute', {
    method: 'PUT',
    path: `/os-quota-sets/${projectId}`,
    json: { quota_set: { instances } },
  });
  return (JSON.parse(res.body.toString('utf8')) as { quota_set: QuotaSet }).quota_set;
}

describeWithCloud(
  'openstack-client acceptance: Nova quota errors (real cloud, admin needed)',
  () => {
    jest.setTimeout(120_000);
    const tag = runTag();
    const cleanup = new AcceptanceCleanup();
    let client: OpenStackClient;
    let admin: OpenStackClient | undefined;
    let projectId: string;
    let originalLimit: number | undefined;

    beforeAll(async () => {
      client = clientFromEnvironment();
      projectId = (await client.identity.token()).projectId ?? '';
      if (!projectId) throw new Error('the token of the cloud under test is not project-scoped');
      if (acceptanceSettings.adminCloud) {
        admin = OpenStackClient.fromCloud(acceptanceSettings.adminCloud, {
          overrides: { timeoutMs: 30_000 },
        });
      }
    });

    afterAll(async () => {
      try {
        // Put the quota back whatever happened (the test restores it too; this is the safety net).
        if (admin && originalLimit !== undefined) {
          const restored = await setInstanceQuota(admin, projectId, originalLimit);
          if (restored.instances !== originalLimit) {
            throw new Error(
              `could not restore the instance quota of ${projectId} to ${originalLimit} (now ${restored.instances})`,
            );
          }
        }
        await cleanup.runAll();
      } finally {
        client.close();
        admin?.close();
      }
    });

    it('a project member may not change quotas: Nova 403 policy error', async () => {
      const error = await failureOf(
        client.session.request('compute', {
          method: 'PUT',
          path: `/os-quota-sets/${projectId}`,
          json: { quota_set: { instances: 1 } },
        }),
      );
      expect(error).toBeInstanceOf(ForbiddenError);
      expect(error).not.toBeInstanceOf(QuotaExceededError);
      expect(error).toMatchObject({ status: 403, errorType: 'forbidden' });
      expect(error.serverMessage).toBe(
        "Policy doesn't allow os_compute_api:os-quota-sets:update to be performed.",
      );
    });

    it('creating a server over the instance quota is Nova 403 "Quota exceeded", a QuotaExceededError; the quota is restored', async () => {
      if (!admin) {
        process.stderr.write(
          '[acceptance] quota check skipped: no admin cloud (set OSA_ACC_ADMIN_CLOUD to a clouds.yaml entry with admin rights)\n',
        );
        return;
      }
      const image = await client.image.images.findByName(acceptanceSettings.baseImage);
      const flavor = await client.compute.flavors.find(acceptanceSettings.flavor);
      const network = await client.network.networks.find(acceptanceSettings.network);
      if (!image) throw new Error(`image "${acceptanceSettings.baseImage}" not found`);

      const before = await instanceUsage(client, projectId);
      originalLimit = before.limit;
      // The lowest quota that still lets nothing new in: what the project already uses.
      const lowered = before.inUse;
      try {
        expect((await setInstanceQuota(admin, projectId, lowered)).instances).toBe(lowered);
        const name = `${tag}-over-quota`;
        const attempt = client.compute.servers.create({
          name,
          imageId: image.id,
          flavorId: flavor.id,
          networks: [{ uuid: network.id }],
        });
        // Should Nova let it through after all, make sure it does not outlive the test.
        attempt.then(
          (ref) => cleanupServer(cleanup, client, ref.id),
          () => undefined,
        );
        const error = await failureOf(attempt);
        expect(error).toBeInstanceOf(QuotaExceededError);
        expect(error).toMatchObject({ status: 403, service: 'compute', errorType: 'forbidden' });
        expect(error.serverMessage).toBe(
          `Quota exceeded for instances: Requested 1, but already used ${lowered} of ${lowered} instances`,
        );
      } finally {
        const restored = await setInstanceQuota(admin, projectId, before.limit);
        expect(restored.instances).toBe(before.limit);
      }
      expect((await instanceUsage(client, projectId)).limit).toBe(before.limit);
    });
  },
);
