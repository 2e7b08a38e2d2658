import * as fs from 'node:fs';
import { OpenStackClient } from '@osa/openstack-client';
import { FakeOpenStack, FakeServer, ServerBehaviour } from '@osa/openstack-testkit';
import { healthyInstances, LifecycleStatus, postJson, waitForStatus } from './support/admin-client';
import { prepareSeedCloud, serversNamed } from './support/fake-cloud';
import { httpGet } from './support/http-get';
import { InProcessController } from './support/in-process-controller';
import { ownLoopbackPrefix } from './support/loopback';
import { ServiceInstance } from './support/service-instance';

/**
 * Self-healing on the openstack provider against the fake OpenStack, whose servers report the
 * addresses of real service processes the test runs: a server that goes to ERROR or is deleted
 * behind the controller's back is replaced (the old one deleted), replacements that keep failing
 * back off, and group servers nothing accounts for are deleted as orphans.
 */
describe('self-healing on the openstack provider', () => {
  jest.setTimeout(60_000);
  let prefix: string;
  let cloud: FakeOpenStack | undefined;
  let controller: InProcessController | undefined;
  let env: Record<string, string>;
  let dir: string | undefined;
  const services: ServiceInstance[] = [];

  afterEach(async () => {
    await controller?.close();
    await Promise.all(services.splice(0).map((service) => service.stop()));
    await cloud?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    controller = cloud = dir = undefined;
  });

  /** Each new server reports the next real service's address (.2, .3, ...), once. */
  function addressing(): ServerBehaviour {
    let next = 2;
    const assigned = new Map<string, string>();
    return {
      bootDelayMs: 200,
      address: (server: FakeServer) => {
        if (!assigned.has(server.id)) assigned.set(server.id, `${prefix}.${next++}`);
        return assigned.get(server.id);
      },
    };
  }

  async function start(): Promise<InProcessController> {
    prefix = ownLoopbackPrefix();
    for (let last = 1; last <= 6; last++)
      services.push(await ServiceInstance.start(`${prefix}.${last}`, 5000));
    cloud = await FakeOpenStack.start({ host: `${prefix}.250` });
    const seeded = await prepareSeedCloud(cloud, `${prefix}.1`);
    dir = seeded.dir;
    env = seeded.env;
    cloud.setServerBehaviour(addressing(), { namePrefix: 'service-auto-' });
    controller = await InProcessController.start(
      {
        proxy: { listenHost: `${prefix}.200`, listenPort: 0 },
        admin: { listenHost: `${prefix}.201`, listenPort: 0 },
        provider: { kind: 'openstack' },
        scaling: {
          traffic: 'pool',
          duringScaleOut: 'serve',
          policies: [],
          maxInstances: 2,
          statusPollInitialMs: 100,
          statusPollMaxMs: 200,
          healing: { providerPollIntervalMs: 300, backoffInitialMs: 300, backoffMaxMs: 1_200 },
        },
        health: { intervalMs: 100 },
      },
      env,
    );
    await controller.originalAdmitted();
    expect(
      (
        await postJson(controller.admin.host, controller.admin.port, '/scaling/desired', {
          instances: 2,
        })
      ).status,
    ).toBe(202);
    await waitForStatus(
      controller.admin,
      '2 instances',
      (status) => healthyInstances(status).length === 2 && status.scaling.inProgress.length === 0,
      20_000,
      log,
    );
    return controller;
  }

  const log = (): string => controller?.logger.lines.join('\n') ?? '';
  const clones = (): FakeServer[] => (cloud ? serversNamed(cloud, 'service-auto-') : []);

  async function replaced(running: InProcessController, oldId: string): Promise<LifecycleStatus> {
    return waitForStatus(
      running.admin,
      `${oldId} replaced`,
      (status) =>
        healthyInstances(status).length === 2 &&
        !status.instances.some((instance) => instance.id === oldId) &&
        status.scaling.inProgress.length === 0,
      20_000,
      log,
    );
  }

  function deletesOf(id: string): number {
    return cloud
      ? cloud.callsTo('compute', 'DELETE').filter((call) => call.path.endsWith(`/servers/${id}`))
          .length
      : 0;
  }

  it('a server gone to ERROR, then one deleted behind our back: each is replaced by a new server; the original is never touched', async () => {
    const running = await start();
    if (!cloud) throw new Error('no cloud');
    const [first] = clones();
    Object.assign(first, {
      status: 'ERROR',
      vmState: 'error',
      fault: { code: 500, message: 'hypervisor lost', created: new Date().toISOString() },
    });
    const afterError = await replaced(running, first.id);
    expect(afterError.scaling.events.find((event) => event.kind === 'heal')).toMatchObject({
      instanceId: first.id,
      trigger: 'its server is ERROR (hypervisor lost (code 500))',
      outcome: `deleted ${first.id}`,
    });
    expect(deletesOf(first.id)).toBe(1);
    const [second] = clones();
    expect(second.id).not.toBe(first.id);

    // Someone deletes the replacement with the API.
    const client = OpenStackClient.fromEnvironment({
      env,
      cwd: dir as string,
      homeDir: dir as string,
    });
    try {
      await client.compute.servers.delete(second.id);
    } finally {
      client.close();
    }
    const afterDelete = await replaced(running, second.id);
    expect(
      afterDelete.scaling.events
        .filter((event) => event.kind === 'heal')
        .map((event) => event.trigger),
    ).toEqual([
      'its server is ERROR (hypervisor lost (code 500))',
      'its server was deleted behind our back',
    ]);
    expect(
      afterDelete.scaling.events
        .filter((event) => event.kind === 'replacement')
        .map((event) => event.state),
    ).toEqual(['admitted', 'admitted']);
    expect(clones()).toHaveLength(1);
    expect(cloud.callsTo('compute', 'POST', /\/servers$/)).toHaveLength(3);
    const original = [...cloud.state.servers.values()].find(
      (server) => server.name === 'service-vm-1',
    );
    expect(original?.status).toBe('ACTIVE');
    expect(deletesOf(original?.id as string)).toBe(0);
    expect((await httpGet(running.proxy.host, running.proxy.port, '/')).status).toBe(200);
  });

  it('replacements that keep failing back off (doubling, capped) and succeed once the cloud can build again; no failed server is left', async () => {
    const running = await start();
    if (!cloud) throw new Error('no cloud');
    const [first] = clones();
    cloud.setServerBehaviour(
      {
        bootDelayMs: 100,
        failWith: {
          message: 'No valid host was found. There are not enough hosts available.',
          code: 500,
        },
      },
      { namePrefix: 'service-auto-' },
    );
    Object.assign(first, {
      status: 'ERROR',
      vmState: 'error',
      fault: { code: 500, message: 'host died', created: new Date().toISOString() },
    });
    const failing = await waitForStatus(
      running.admin,
      '4 failed replacements',
      (status) => status.scaling.backoff.replacement.consecutiveFailures >= 4,
      20_000,
      log,
    );
    expect(failing.scaling.desiredInstances).toBe(2);
    const waits = running.logger
      .withFields({ msg: /next replacement after the back-off/ })
      .map((record) => (Number(record.nextAttemptInMs) / 1000).toFixed(1));
    expect(waits.slice(0, 4)).toEqual(['0.3', '0.6', '1.2', '1.2']);
    for (const event of failing.scaling.events.filter(
      (candidate) => candidate.kind === 'replacement',
    )) {
      expect(event.failure).toMatchObject({
        phase: 'booting',
        reason: expect.stringContaining('No valid host was found'),
        cloudApiUnavailable: false,
      });
    }
    // Serving went on from the original.
    expect(
      (await httpGet(running.proxy.host, running.proxy.port, '/')).headers['x-instance-address'],
    ).toBe(`${prefix}.1:5000`);

    cloud.setServerBehaviour(addressing(), { namePrefix: 'service-auto-' });
    const healed = await replaced(running, first.id);
    expect(healed.scaling.backoff.replacement.consecutiveFailures).toBe(0);
    expect(clones()).toHaveLength(1); // every failed replacement was deleted
    expect(cloud.callsTo('compute', 'DELETE').length).toBe(
      cloud.callsTo('compute', 'POST', /\/servers$/).length - 1,
    );
  });

  it('deletes a server of our group that nothing accounts for (seen on two polls), and leaves other groups alone', async () => {
    const running = await start();
    if (!cloud) throw new Error('no cloud');
    const orphan = cloud.seedServer({
      name: 'service-auto-orphn',
      metadata: { 'osa:group': 'service', 'osa:reason': 'scale-out' },
    });
    const foreign = cloud.seedServer({
      name: 'service-auto-other',
      metadata: { 'osa:group': 'another-team', 'osa:reason': 'scale-out' },
    });
    const deadline = Date.now() + 10_000;
    while (deletesOf(orphan.id) === 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect(deletesOf(orphan.id)).toBe(1);
    expect(
      running.logger.withFields({ msg: /^orphan: /, instanceName: 'service-auto-orphn' }),
    ).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(deletesOf(foreign.id)).toBe(0);
    expect(cloud.state.servers.get(foreign.id)?.status).toBe('ACTIVE');
    expect(
      healthyInstances(await waitForStatus(running.admin, 'still 2', () => true, 1_000)),
    ).toHaveLength(2);
  });
});
