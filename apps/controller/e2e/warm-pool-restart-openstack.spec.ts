import { FakeOpenStack, FakeServer } from '@osa/openstack-testkit';
import {
  healthyInstances,
  LifecycleStatus,
  postJson,
  readStatus,
  waitForStatus,
} from './support/admin-client';
import { ControllerProcess } from './support/controller-process';
import { serversNamed } from './support/fake-cloud';
import { SeedFakeCloud } from './support/seed-fake-cloud';
import { ServiceInstance } from './support/service-instance';

type WarmStatus = LifecycleStatus & { warmPool: { size: number; warm: number; filling: number } };

/**
 * The built controller on the openstack provider against the fake OpenStack with
 * `scaling.warmPool.size: 1`, SIGKILLed at each step of a warm server's life and started again.
 * The server's `osa:state` metadata says what was in progress; the restarted controller finishes
 * it or rolls it back, and the cloud ends with exactly the expected servers: no leak, no double.
 */
describe('warm pool: restart after SIGKILL at each step, openstack provider', () => {
  jest.setTimeout(120_000);
  let prefix: string;
  let cloud: FakeOpenStack | undefined;
  let env: Record<string, string>;
  let originalId: string;
  let world: SeedFakeCloud | undefined;
  const controllers: ControllerProcess[] = [];

  beforeEach(async () => {
    world = await SeedFakeCloud.start();
    ({ prefix, cloud, env, originalId } = world);
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
          warmPool: { size: 1, checkIntervalMs: 300, refillBackoffInitialMs: 500 },
        },
        health: { intervalMs: 100, readinessTimeoutMs: 30_000 },
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

  const live = (): FakeServer[] => serversNamed(requireCloud(), 'service-auto-');
  const creates = (): number => requireCloud().callsTo('compute', 'POST', /\/servers$/).length;
  const deleted = (): string[] =>
    requireCloud()
      .callsTo('compute', 'DELETE')
      .map((call) => call.path.split('/').pop() as string);

  async function kill(controller: ControllerProcess): Promise<void> {
    controller.signal('SIGKILL');
    expect(await controller.exited).toEqual({ code: null, signal: 'SIGKILL' });
  }

  /** Waits until the pool holds one warm server (and nothing else is in progress); returns it. */
  async function oneWarm(controller: ControllerProcess): Promise<FakeServer> {
    const { admin } = await controller.addresses();
    await waitForStatus(
      admin,
      'one warm server',
      (status) =>
        (status as WarmStatus).warmPool.warm === 1 && (status as WarmStatus).warmPool.filling === 0,
      40_000,
      () => controller.output,
    );
    const warm = live().filter((server) => server.metadata['osa:state'] === 'warm');
    expect(warm.map((server) => server.status)).toEqual(['SHUTOFF']);
    return warm[0];
  }

  /** A controller whose pool holds one warm server (power actions at once in the fake). */
  async function startWithOneWarm(): Promise<{
    fake: FakeOpenStack;
    first: ControllerProcess;
    warm: FakeServer;
    createsBefore: number;
  }> {
    const fake = requireCloud();
    fake.setServerBehaviour(
      { address: () => `${prefix}.2`, actionDelayMs: 0 },
      { namePrefix: 'service-auto-' },
    );
    const first = start();
    const warm = await oneWarm(first);
    return { fake, first, warm, createsBefore: creates() };
  }

  it.each([
    [
      'while the fill is booting (osa:state=warming, BUILD)',
      { bootDelayMs: 3_000 },
      /instance phase change event=warm-fill sequence=\d+ instanceName=(service-auto-\w+) instanceId=([\w-]+) previousPhase=creating phase=booting/,
    ],
    [
      'while the fill is powering off (osa:state=warming, os-stop sent)',
      { actionDelayMs: 3_000 },
      /instance phase change event=warm-fill sequence=\d+ instanceName=(service-auto-\w+) instanceId=([\w-]+) previousPhase=health-checking phase=powering-off/,
    ],
  ])(
    'killed %s: the restart deletes the half-made server and fills the pool anew',
    async (_step, behaviour, line) => {
      requireCloud().setServerBehaviour(
        { address: () => `${prefix}.2`, ...behaviour },
        { namePrefix: 'service-auto-' },
      );
      const first = start();
      const [, name, id] = await first.waitForLine(line, 30_000);
      await kill(first);
      expect(live().map((server) => [server.id, server.metadata['osa:state']])).toEqual([
        [id, 'warming'],
      ]);

      requireCloud().setServerBehaviour(
        { address: () => `${prefix}.2` },
        { namePrefix: 'service-auto-' },
      );
      const second = start();
      await second.waitForLine(
        new RegExp(`restart recovery: ${name} \\(${id}, \\w+\\): a warm-pool fill was interrupted`),
        20_000,
      );
      const warm = await oneWarm(second);
      expect(warm.id).not.toBe(id);
      expect(deleted()).toEqual([id]);
      expect(live().map((server) => server.id)).toEqual([warm.id]);
      const status = await readStatus((await second.addresses()).admin);
      expect(status.scaling.desiredInstances).toBe(1);
      expect(status.instances.map((instance) => instance.id)).toEqual([originalId]);
    },
  );

  it('killed after the starting mark, before os-start took effect: rolled back to warm (the same server, no create, nothing deleted)', async () => {
    const { fake, first, warm, createsBefore } = await startWithOneWarm();
    // Nova holds the os-start: the controller dies after marking the server `starting`, before Nova acts on the start.
    fake.inject({
      service: 'compute',
      method: 'POST',
      path: /\/action$/,
      delayMs: 8_000,
      times: 1,
    });
    const { admin } = await first.addresses();
    expect(
      (await postJson(admin.host, admin.port, '/scaling/desired', { instances: 2 })).status,
    ).toBe(202);
    await first.waitForLine(
      new RegExp(
        `event=scale-out sequence=\\d+ instanceName=\\S+ instanceId=${warm.id} .*previousPhase=creating phase=powering-on`,
      ),
      20_000,
    );
    const deadline = Date.now() + 5_000;
    while (
      fake.state.servers.get(warm.id)?.metadata['osa:state'] !== 'starting' &&
      Date.now() < deadline
    )
      await new Promise((resolve) => setTimeout(resolve, 20));
    await kill(first);
    expect([
      fake.state.servers.get(warm.id)?.status,
      fake.state.servers.get(warm.id)?.metadata['osa:state'],
    ]).toEqual(['SHUTOFF', 'starting']);

    const second = start();
    await second.waitForLine(
      new RegExp(
        `restart recovery: ${warm.name} \\(${warm.id}, SHUTOFF\\) was being started when the controller stopped: rolled back to warm`,
      ),
      20_000,
    );
    const again = await oneWarm(second);
    expect(again.id).toBe(warm.id);
    // Whether or not the held os-start reached the fake later, the server ends stopped and warm.
    await new Promise((resolve) => setTimeout(resolve, 9_000));
    const settled = await waitForStatus(
      (await second.addresses()).admin,
      'still one warm server',
      (status) => (status as WarmStatus).warmPool.warm === 1,
      20_000,
      () => second.output,
    );
    expect(settled.scaling.desiredInstances).toBe(1);
    const end = Date.now() + 10_000;
    while (fake.state.servers.get(warm.id)?.status !== 'SHUTOFF' && Date.now() < end)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect([
      fake.state.servers.get(warm.id)?.status,
      fake.state.servers.get(warm.id)?.metadata['osa:state'],
    ]).toEqual(['SHUTOFF', 'warm']);
    expect(creates()).toBe(createsBefore);
    expect(deleted()).toEqual([]);
    expect(live().map((server) => server.id)).toEqual([warm.id]);
  });

  it('killed after os-start, while the started server is health-checked: the restart finishes the start (adopted, in-service) and refills the pool', async () => {
    const { fake, first, warm, createsBefore } = await startWithOneWarm();
    // The service at .2 stops answering: the started server stays in health-checking until the kill.
    await world!.services[1].stop();
    const { admin } = await first.addresses();
    expect(
      (await postJson(admin.host, admin.port, '/scaling/desired', { instances: 2 })).status,
    ).toBe(202);
    await first.waitForLine(
      new RegExp(
        `event=scale-out sequence=\\d+ instanceName=\\S+ instanceId=${warm.id} .*previousPhase=addressing phase=health-checking`,
      ),
      20_000,
    );
    await kill(first);
    expect([
      fake.state.servers.get(warm.id)?.status,
      fake.state.servers.get(warm.id)?.metadata['osa:state'],
    ]).toEqual(['ACTIVE', 'starting']);
    // The refill the take started is killed too (health-checking, like the taken server).
    const interruptedFills = live()
      .filter((server) => server.metadata['osa:state'] === 'warming')
      .map((server) => server.id);
    world!.services[1] = await ServiceInstance.start(`${prefix}.2`, 5000);

    const second = start();
    const { admin: admin2 } = await second.addresses();
    await second.waitForLine(
      new RegExp(
        `restart recovery: ${warm.name} \\(${warm.id}, ACTIVE\\) was started from the warm pool: finished`,
      ),
      20_000,
    );
    const done = await waitForStatus(
      admin2,
      'the started server admitted and the pool refilled',
      (status) =>
        healthyInstances(status).length === 2 &&
        (status as WarmStatus).warmPool.warm === 1 &&
        status.scaling.inProgress.length === 0,
      40_000,
      () => second.output,
    );
    expect(done.scaling.desiredInstances).toBe(2);
    expect(done.instances.map((instance) => instance.id).sort()).toEqual(
      [originalId, warm.id].sort(),
    );
    expect(fake.state.servers.get(warm.id)?.metadata['osa:state']).toBe('in-service');
    // The creates: the killed controller's refill (deleted at the restart, as an interrupted fill) and the new one. No double.
    expect(creates()).toBe(createsBefore + interruptedFills.length + 1);
    expect(deleted()).toEqual(interruptedFills);
    const servers = live();
    expect(servers).toHaveLength(2);
    expect(
      servers
        .filter((server) => server.metadata['osa:state'] === 'warm')
        .map((server) => server.status),
    ).toEqual(['SHUTOFF']);
  });
});
