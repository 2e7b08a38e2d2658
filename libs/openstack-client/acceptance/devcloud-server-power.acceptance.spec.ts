/**
 * Acceptance, server power actions (what a warm pool is made of): create -> ACTIVE (the workload
 * answers) -> os-stop -> SHUTOFF (the workload is gone) -> os-start -> ACTIVE (it answers again)
 * -> shelve -> SHELVED_OFFLOADED (gone) -> unshelve -> ACTIVE (answers). Each waiter is timed and
 * the times printed. The server is deleted in afterAll (registered as soon as Nova returns the id).
 */
import { OpenStackClient, extractAddress } from '../src';
import {
  AcceptanceCleanup,
  acceptanceSettings,
  assertLoopback,
  cleanupServer,
  clientFromEnvironment,
  describeWithCloud,
  httpGet,
  isLoopbackIPv4,
  runTag,
  serviceUserData,
  waitForHttp200,
  waitOptions,
} from './devcloud-acceptance-support';

const ACTION_TIMEOUT_MS = 120_000;

/** Resolves once nothing accepts connections at host:port any more (the stopped workload). */
async function waitUntilRefused(host: string, port: number, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await httpGet(host, port, '/healthz', 1_000);
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    }
    if (Date.now() >= deadline)
      throw new Error(`${host}:${port} still answers after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describeWithCloud('openstack-client acceptance: stop, start, shelve, unshelve (real cloud)', () => {
  jest.setTimeout(360_000);
  const tag = runTag();
  const cleanup = new AcceptanceCleanup();
  let client: OpenStackClient;

  beforeAll(() => {
    client = clientFromEnvironment();
  });
  afterAll(async () => {
    try {
      await cleanup.runAll();
    } finally {
      client.close();
    }
  });

  it('the workload stops with os-stop and shelve and comes back with os-start and unshelve', async () => {
    const { servers } = client.compute;
    const image = await client.image.images.findByName(acceptanceSettings.baseImage);
    if (!image)
      throw new Error(`image "${acceptanceSettings.baseImage}" not found (set OSA_ACC_IMAGE)`);
    const network = await client.network.networks.find(acceptanceSettings.network);
    const name = `${tag}-power`;
    const ref = await servers.create({
      name,
      imageId: image.id,
      flavorId: (await client.compute.flavors.find(acceptanceSettings.flavor)).id,
      networks: [{ uuid: network.id }],
      metadata: { 'osa:acceptance': tag },
      userData: serviceUserData(acceptanceSettings.servicePort),
    });
    cleanupServer(cleanup, client, ref.id);
    const port = acceptanceSettings.servicePort;
    const timed = async <T>(label: string, step: () => Promise<T>): Promise<T> => {
      const startedMs = Date.now();
      const result = await step();
      process.stderr.write(`[acceptance] ${name}: ${label} in ${Date.now() - startedMs} ms\n`);
      return result;
    };

    const active = await timed('BUILD -> ACTIVE', () =>
      servers.waitForActive(ref.id, waitOptions(`${name} booting`, ACTION_TIMEOUT_MS)),
    );
    const address = extractAddress(active, { networkName: acceptanceSettings.network });
    const reachable = isLoopbackIPv4(address);
    if (reachable) {
      assertLoopback(address, `address of ${name}`);
      await waitForHttp200(address, port, '/healthz', 30_000);
    }

    await servers.stop(ref.id);
    const shutoff = await timed('os-stop -> SHUTOFF', () =>
      servers.waitForShutoff(ref.id, waitOptions(`${name} stopping`, ACTION_TIMEOUT_MS)),
    );
    expect(shutoff).toMatchObject({ status: 'SHUTOFF', vmState: 'stopped', powerState: 4 });
    if (reachable)
      expect(await waitUntilRefused(address, port, 10_000)).toMatch(
        /ECONNREFUSED|socket hang up|ECONNRESET/,
      );

    await servers.start(ref.id);
    const started = await timed('os-start -> ACTIVE', () =>
      servers.waitForActive(ref.id, waitOptions(`${name} starting`, ACTION_TIMEOUT_MS)),
    );
    expect(extractAddress(started, { networkName: acceptanceSettings.network })).toBe(address);
    if (reachable)
      await timed('ACTIVE -> first 200', () => waitForHttp200(address, port, '/healthz', 30_000));

    await servers.shelve(ref.id);
    const shelved = await timed('shelve -> SHELVED_OFFLOADED', () =>
      servers.waitForShelvedOffloaded(ref.id, waitOptions(`${name} shelving`, ACTION_TIMEOUT_MS)),
    );
    expect(shelved).toMatchObject({ status: 'SHELVED_OFFLOADED', vmState: 'shelved_offloaded' });
    if (reachable) await waitUntilRefused(address, port, 10_000);

    await servers.unshelve(ref.id);
    const unshelved = await timed('unshelve -> ACTIVE', () =>
      servers.waitForActive(ref.id, waitOptions(`${name} unshelving`, ACTION_TIMEOUT_MS)),
    );
    expect(unshelved.status).toBe('ACTIVE');
    if (reachable) {
      const unshelvedAddress = extractAddress(unshelved, {
        networkName: acceptanceSettings.network,
      });
      await timed('ACTIVE -> first 200 after unshelve', () =>
        waitForHttp200(unshelvedAddress, port, '/healthz', 30_000),
      );
    }

    // Nova's own record of each: newest first; updated_at (2.58+) is when its work finished.
    const actions = await servers.actions(ref.id);
    expect(actions.slice(0, 5).map((entry) => entry.action)).toEqual([
      'unshelve',
      'shelve',
      'start',
      'stop',
      'create',
    ]);
    for (const entry of actions.slice(0, 5)) {
      expect(entry.requestId).toMatch(/^req-/);
      const ms = Date.parse(`${entry.updatedAt}Z`) - Date.parse(`${entry.startTime}Z`);
      expect(ms).toBeGreaterThanOrEqual(0);
      process.stderr.write(
        `[acceptance] ${name}: Nova's own ${entry.action}: ${ms} ms (whole seconds)\n`,
      );
    }
  });
});
