import { LocalInstanceProvider } from '../src/providers/local/local-instance-provider';
import {
  healthyInstances,
  LifecycleStatus,
  postJson,
  readStatus,
  waitForStatus,
} from './support/admin-client';
import { httpGet, HttpReply } from './support/http-get';
import { InProcessController } from './support/in-process-controller';
import { ownLoopbackPrefix } from './support/loopback';
import { waitUntilGone } from './support/process-tree';
import { localControllerConfig } from './support/local-controller-config';

/**
 * Scale-in on the local provider with slow requests in flight: the chosen instance gets no new
 * request from the moment it is chosen, its in-flight requests finish (or are cut at the drain
 * timeout), then it is deleted. In switch mode traffic moves to the next instance at once.
 */
describe('scale-in: choose, drain, delete', () => {
  jest.setTimeout(60_000);
  let controller: InProcessController | undefined;
  let prefix: string;

  afterEach(async () => {
    await controller?.close();
    controller = undefined;
  });

  async function start(
    workDelayMs: number,
    scaling: Record<string, unknown>,
  ): Promise<InProcessController> {
    prefix = ownLoopbackPrefix();
    controller = await InProcessController.start({
      ...localControllerConfig(prefix, {
        local: {
          bootDelayMs: 200,
          serviceEnv: { WORK_DELAY_MS: String(workDelayMs) },
          stopGraceMs: 2_000,
        },
      }),
      scaling: {
        maxInstances: 3,
        policies: [],
        statusPollInitialMs: 100,
        statusPollMaxMs: 100,
        ...scaling,
      },
      health: { intervalMs: 100 },
    });
    await controller.originalAdmitted();
    return controller;
  }

  const log = (): string => controller?.logger.lines.join('\n') ?? '';
  const address = (n: number): string => `${prefix}.${n}:5000`;

  async function scaleTo(
    running: InProcessController,
    instances: number,
  ): Promise<LifecycleStatus> {
    expect(
      (await postJson(running.admin.host, running.admin.port, '/scaling/desired', { instances }))
        .status,
    ).toBe(202);
    return waitForStatus(
      running.admin,
      `${instances} instance(s)`,
      (status) =>
        healthyInstances(status).length === instances &&
        status.instances.length === instances &&
        status.scaling.inProgress.length === 0,
      20_000,
      log,
    );
  }

  /** Starts `count` GET / at once and resolves when each is in flight on some instance. */
  async function slowRequests(
    running: InProcessController,
    count: number,
  ): Promise<Array<Promise<HttpReply>>> {
    const pending = Array.from({ length: count }, () =>
      httpGet(running.proxy.host, running.proxy.port, '/', 20_000),
    );
    await waitForStatus(
      running.admin,
      `${count} requests in flight`,
      (status) => status.instances.reduce((sum, i) => sum + i.inFlight, 0) === count,
      5_000,
      log,
    );
    return pending;
  }

  it('pool mode: the newest instance drains its in-flight requests (all answered 200) while new ones go elsewhere, then it is deleted', async () => {
    const running = await start(1_500, { traffic: 'pool', duringScaleOut: 'serve' });
    const two = await scaleTo(running, 2);
    const clone = two.instances[1];
    const clonePid = running.app.get(LocalInstanceProvider).childPids()[1];
    const pending = await slowRequests(running, 6);
    const before = await readStatus(running.admin);
    const onClone = before.instances[1].inFlight;
    expect(onClone).toBeGreaterThan(0); // least-outstanding spread them

    expect(
      (await postJson(running.admin.host, running.admin.port, '/scaling/desired', { instances: 1 }))
        .status,
    ).toBe(202);
    const draining = await readStatus(running.admin);
    expect(draining.instances.find((instance) => instance.id === clone.id)).toMatchObject({
      state: 'deleting',
      serving: false,
      inFlight: onClone,
    });
    // A new request meanwhile goes to the original only.
    const during = await httpGet(running.proxy.host, running.proxy.port, '/', 20_000);
    expect([during.status, during.headers['x-instance-address']]).toEqual([200, address(1)]);

    const replies = await Promise.all(pending);
    expect(replies.map((reply) => reply.status)).toEqual(Array(6).fill(200));
    expect(
      replies.filter((reply) => reply.headers['x-instance-address'] === address(2)),
    ).toHaveLength(onClone);

    const done = await waitForStatus(
      running.admin,
      'the clone deleted',
      (status) => status.instances.length === 1,
      10_000,
      log,
    );
    const event = done.scaling.events.find((candidate) => candidate.kind === 'scale-in');
    expect(event).toMatchObject({
      instanceId: clone.id,
      state: 'removed',
      inFlightAtStart: onClone,
      inFlightAtDelete: 0,
      outcome: `deleted ${clone.id}`,
    });
    expect(event?.phaseDurationsMs.draining).toBeGreaterThan(0);
    expect(await waitUntilGone([clonePid], 5_000)).toEqual([]);
  });

  it('drain timeout: requests still running after scaling.scaleIn.drainTimeoutMs are cut and the instance deleted anyway, saying so', async () => {
    const running = await start(4_000, {
      traffic: 'pool',
      duringScaleOut: 'serve',
      scaleIn: { drainTimeoutMs: 300 },
    });
    const two = await scaleTo(running, 2);
    const pending = await slowRequests(running, 2);
    expect(
      (await postJson(running.admin.host, running.admin.port, '/scaling/desired', { instances: 1 }))
        .status,
    ).toBe(202);
    const done = await waitForStatus(
      running.admin,
      'the clone deleted',
      (status) => status.instances.length === 1,
      10_000,
      log,
    );
    const event = done.scaling.events.find((candidate) => candidate.kind === 'scale-in');
    expect(event).toMatchObject({
      instanceId: two.instances[1].id,
      inFlightAtStart: 1,
      inFlightAtDelete: 1,
      state: 'removed',
    });
    expect(
      running.logger.withFields({
        msg: 'requests still in flight at the drain deadline: deleting anyway',
        inFlight: 1,
      }),
    ).toHaveLength(1);
    const replies = await Promise.all(
      pending.map((reply) =>
        reply.catch(
          (error: Error) => ({ status: 0, headers: {}, body: error.message }) as HttpReply,
        ),
      ),
    );
    // The one on the original is answered; the one on the deleted clone is not a 200.
    expect(replies.map((reply) => reply.status === 200).sort()).toEqual([false, true]);
  });

  it('switch mode, newest: the serving instance is chosen and traffic switches to the next one at once (no 503), its in-flight requests still finish', async () => {
    const running = await start(1_000, {});
    const three = await scaleTo(running, 3);
    // Both clones were made in parallel: the one admitted last serves (switch mode) and is the newest.
    const clones = three.instances.filter((instance) => instance.role === 'clone');
    const newest = clones.find((instance) => instance.serving);
    const older = clones.find((instance) => !instance.serving);
    if (!newest || !older)
      throw new Error(`expected one serving clone: ${JSON.stringify(three.instances)}`);
    const pending = await slowRequests(running, 2);
    expect(
      (await postJson(running.admin.host, running.admin.port, '/scaling/desired', { instances: 2 }))
        .status,
    ).toBe(202);
    const next = await httpGet(running.proxy.host, running.proxy.port, '/', 20_000);
    expect([next.status, next.headers['x-instance-address']]).toEqual([200, `${older.ip}:5000`]);
    expect(
      (await Promise.all(pending)).map((reply) => [
        reply.status,
        reply.headers['x-instance-address'],
      ]),
    ).toEqual([
      [200, `${newest.ip}:5000`],
      [200, `${newest.ip}:5000`],
    ]);
    const done = await waitForStatus(
      running.admin,
      'the newest deleted',
      (status) => status.instances.length === 2,
      10_000,
      log,
    );
    expect(done.instances.map((instance) => [instance.id, instance.serving])).toEqual([
      [three.instances[0].id, false],
      [older.id, true],
    ]);
    expect(running.logger.matching(/traffic switched: .* \(.* being removed\)/)).toHaveLength(1);
  });

  it('switch mode, least-loaded: the idle clone is removed, the serving one keeps its requests and its traffic', async () => {
    const running = await start(1_000, { scaleIn: { selection: 'least-loaded' } });
    const three = await scaleTo(running, 3);
    const serving = three.instances.find((instance) => instance.serving);
    const idle = three.instances.find((instance) => instance.role === 'clone' && !instance.serving);
    if (!serving || !idle)
      throw new Error(`expected one serving clone: ${JSON.stringify(three.instances)}`);
    const pending = await slowRequests(running, 2);
    expect(
      (await postJson(running.admin.host, running.admin.port, '/scaling/desired', { instances: 2 }))
        .status,
    ).toBe(202);
    const done = await waitForStatus(
      running.admin,
      'the idle clone deleted',
      (status) => status.instances.length === 2,
      10_000,
      log,
    );
    expect(done.instances.map((instance) => instance.id)).toEqual([
      three.instances[0].id,
      serving.id,
    ]);
    expect(done.scaling.events.find((event) => event.kind === 'scale-in')).toMatchObject({
      instanceId: idle.id,
      inFlightAtStart: 0,
    });
    expect((await Promise.all(pending)).map((reply) => reply.status)).toEqual([200, 200]);
    const next = await httpGet(running.proxy.host, running.proxy.port, '/', 20_000);
    expect(next.headers['x-instance-address']).toBe(`${serving.ip}:5000`);
  });

  it('protectOriginal: false lets a scale-in take the original when it is the least loaded; never below minInstances', async () => {
    const running = await start(1_000, {
      scaleIn: { selection: 'least-loaded', protectOriginal: false },
    });
    await scaleTo(running, 2);
    const down = await scaleTo(running, 1);
    // Both idle: least-loaded breaks the tie newest first, so the clone goes, then nothing more.
    expect(down.instances.map((instance) => instance.role)).toEqual(['original']);
    const below = await postJson(running.admin.host, running.admin.port, '/scaling/desired', {
      instances: 0,
    });
    expect(below.status).toBe(400);
    const two = await scaleTo(running, 2);
    const [original, clone] = two.instances;
    // Switch mode sends the request to the clone: the idle original is the least loaded and, unprotected, is chosen.
    const pending = await slowRequests(running, 1);
    expect(
      (await readStatus(running.admin)).instances.map((instance) => instance.inFlight),
    ).toEqual([0, 1]);
    expect(
      (await postJson(running.admin.host, running.admin.port, '/scaling/desired', { instances: 1 }))
        .status,
    ).toBe(202);
    const done = await waitForStatus(
      running.admin,
      'the original deleted',
      (status) => status.instances.length === 1,
      10_000,
      log,
    );
    expect(done.instances.map((instance) => instance.id)).toEqual([clone.id]);
    expect(done.scaling.events.at(-1)).toMatchObject({ kind: 'scale-in', instanceId: original.id });
    expect((await pending[0]).status).toBe(200);
  });
});
