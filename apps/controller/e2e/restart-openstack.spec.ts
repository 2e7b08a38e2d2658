import { FakeOpenStack, FakeServer } from '@osa/openstack-testkit';
import { healthyInstances, postJson, waitForStatus } from './support/admin-client';
import { ControllerProcess } from './support/controller-process';
import { serversNamed } from './support/fake-cloud';
import { httpGet } from './support/http-get';
import { SeedFakeCloud } from './support/seed-fake-cloud';
import { LOGGED } from './support/log-lines';

/**
 * The built controller on the openstack provider against the fake OpenStack (whose servers report
 * the addresses of real service processes), SIGKILLed in the middle of a scale-out and started
 * again. The cloud is the source of truth: the restarted controller lists its group by metadata,
 * adopts what is ACTIVE or still building, deletes what is in ERROR, SHUTOFF or half-made, and
 * ends with exactly the desired number of healthy instances, no orphan and no duplicate.
 */
describe('restart after SIGKILL during a scale-out, openstack provider', () => {
  jest.setTimeout(90_000);
  let prefix: string;
  let cloud: FakeOpenStack | undefined;
  let env: Record<string, string>;
  let originalId: string;
  let world: SeedFakeCloud | undefined;
  const controllers: ControllerProcess[] = [];

  beforeEach(async () => {
    world = await SeedFakeCloud.start();
    ({ prefix, cloud, env, originalId } = world);
    // Every new server "boots" for 8 s and then reports the real service at .2 (long enough that it
    // is still BUILD when the restarted controller lists the group on a loaded machine).
    cloud.setServerBehaviour(
      { address: () => `${prefix}.2`, bootDelayMs: 8_000 },
      { namePrefix: 'service-auto-' },
    );
  });

  afterEach(async () => {
    for (const controller of controllers.splice(0)) await controller.stop();
    await world?.stop();
    world = cloud = undefined;
  });

  function start(): ControllerProcess {
    const controller = ControllerProcess.start(
      {
        proxy: { listenHost: `${prefix}.200`, listenPort: 0 },
        admin: { listenHost: `${prefix}.201`, listenPort: 0 },
        provider: { kind: 'openstack' },
        scaling: {
          policies: [],
          maxInstances: 3,
          statusPollInitialMs: 100,
          statusPollMaxMs: 200,
          healing: { providerPollIntervalMs: 300 },
        },
        health: { intervalMs: 100, readinessTimeoutMs: 2_000 },
      },
      env,
    );
    controllers.push(controller);
    return controller;
  }

  function requireCloud(): FakeOpenStack {
    if (!cloud) throw new Error('no cloud');
    return cloud;
  }

  const group = (reason = 'scale-out'): Record<string, string> => ({
    'osa:group': 'service',
    'osa:reason': reason,
  });
  const live = (): FakeServer[] => serversNamed(requireCloud(), 'service-auto-');

  async function startAndAskForTwo(): Promise<ControllerProcess> {
    const first = start();
    const { admin } = await first.addresses();
    await first.waitForLog(LOGGED.originalAdmitted, 20_000);
    expect(
      (await postJson(admin.host, admin.port, '/scaling/desired', { instances: 2 })).status,
    ).toBe(202);
    return first;
  }

  async function kill(controller: ControllerProcess): Promise<void> {
    controller.signal('SIGKILL');
    expect(await controller.exited).toEqual({ code: null, signal: 'SIGKILL' });
  }

  it('killed while the new server is booting: the restart adopts it (no second create), deletes the ERROR, SHUTOFF and half-made leftovers, ends with 2 healthy instances', async () => {
    const fake = requireCloud();
    const first = await startAndAskForTwo();
    const booting = await first.waitForLog(
      LOGGED.phaseChange({ event: 'scale-out', previousPhase: 'creating', phase: 'booting' }),
      20_000,
    );
    await kill(first);
    const [building] = live();
    expect([building.id, building.name, building.status]).toEqual([
      booting.instanceId,
      booting.instanceName,
      'BUILD',
    ]);

    // What other crashes left in the group: a server in ERROR, one SHUTOFF, and one ACTIVE whose service never answers.
    const error = fake.seedServer({
      name: 'service-auto-err01',
      status: 'ERROR',
      vmState: 'error',
      metadata: group(),
    });
    const shutoff = fake.seedServer({
      name: 'service-auto-off01',
      status: 'SHUTOFF',
      vmState: 'stopped',
      powerState: 4,
      metadata: group('replacement'),
    });
    const halfMade = fake.seedServer({
      name: 'service-auto-half1',
      metadata: group(),
      addresses: {
        test: [{ addr: `${prefix}.9`, version: 4, type: 'fixed', macAddr: 'fa:16:3e:00:00:09' }],
      },
    });
    // Not ours: another group, and a server without metadata.
    const foreign = fake.seedServer({
      name: 'service-auto-alien',
      metadata: { 'osa:group': 'someone-else' },
    });
    const creates = fake.callsTo('compute', 'POST', /\/servers$/).length;

    const second = start();
    const { admin, proxy } = await second.addresses();
    const done = await waitForStatus(
      admin,
      'exactly 2 healthy instances, nothing in progress',
      (status) =>
        healthyInstances(status).length === 2 &&
        status.instances.length === 2 &&
        status.scaling.inProgress.length === 0,
      40_000,
      () => second.output,
    );
    expect(done.scaling).toMatchObject({
      desiredInstances: 2,
      actualInstances: 2,
      pendingDeletes: [],
    });
    expect(done.instances.map((instance) => instance.id).sort()).toEqual(
      [originalId, building.id].sort(),
    );
    const recovery = await second.waitForLog(
      { msg: 'restart recovery: group listed', group: 'service', found: 4 },
      1_000,
    );
    const described = (servers: unknown): string[] =>
      (servers as Array<{ instanceName: string; status: string }>)
        .map(({ instanceName, status }) => `${instanceName} (${status})`)
        .sort();
    expect(described(recovery.adopting)).toEqual(
      [`${building.name} (BUILD)`, 'service-auto-half1 (ACTIVE)'].sort(),
    );
    expect(described(recovery.deleting)).toEqual([
      'service-auto-err01 (ERROR)',
      'service-auto-off01 (SHUTOFF)',
    ]);
    const adoptions = done.scaling.events.filter((event) => event.kind === 'adoption');
    expect(adoptions.map((event) => [event.instanceName, event.state])).toEqual(
      expect.arrayContaining([
        [building.name, 'admitted'],
        ['service-auto-half1', 'failed'],
      ]),
    );
    expect(
      adoptions.find((event) => event.instanceName === building.name)?.phaseDurationsMs,
    ).toEqual({
      booting: expect.any(Number),
      addressing: expect.any(Number),
      'health-checking': expect.any(Number),
    });

    // The cloud: the original, the one clone, and the other group's server. No second create.
    expect(
      live()
        .map((server) => server.id)
        .sort(),
    ).toEqual([building.id, foreign.id].sort());
    expect(fake.callsTo('compute', 'POST', /\/servers$/)).toHaveLength(creates);
    const deleted = fake.callsTo('compute', 'DELETE').map((call) => call.path.split('/').pop());
    expect(deleted.sort()).toEqual([error.id, shutoff.id, halfMade.id].sort());
    expect((await httpGet(proxy.host, proxy.port, '/')).headers['x-instance-address']).toBe(
      `${prefix}.2:5000`,
    );
    expect(second.output).not.toContain(fake.credentials.password);
  });

  it('killed while its create call was still unanswered: the server Nova made anyway is found and adopted, not duplicated', async () => {
    const fake = requireCloud();
    // Nova takes 1.5 s to answer the create: the controller dies before it learns the id.
    fake.inject({
      service: 'compute',
      method: 'POST',
      path: /\/servers$/,
      delayMs: 1_500,
      times: 1,
    });
    const first = await startAndAskForTwo();
    await first.waitForLog(
      { msg: 'creating from the golden image', event: 'scale-out', instanceName: /^service-auto-/ },
      20_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(first.logs(LOGGED.phaseChange({ previousPhase: 'creating', phase: 'booting' }))).toEqual(
      [],
    );
    await kill(first);
    // The fake finishes the create after its delay, as Nova would.
    const deadline = Date.now() + 10_000;
    while (live().length === 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    const [made] = live();
    // osa:image: the image it was created from (instance refresh tells old from new by it).
    expect(made.metadata).toEqual({ ...group(), 'osa:image': expect.any(String) });

    const second = start();
    const { admin } = await second.addresses();
    const done = await waitForStatus(
      admin,
      'the server adopted',
      (status) => healthyInstances(status).length === 2 && status.scaling.inProgress.length === 0,
      40_000,
      () => second.output,
    );
    expect(done.instances.map((instance) => instance.id).sort()).toEqual(
      [originalId, made.id].sort(),
    );
    expect(done.scaling.desiredInstances).toBe(2);
    expect(fake.callsTo('compute', 'POST', /\/servers$/)).toHaveLength(1);
    expect(fake.callsTo('compute', 'DELETE')).toEqual([]);
    expect(live()).toHaveLength(1);
  });
});
