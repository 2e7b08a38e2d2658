import { LocalInstanceProvider } from '../src/providers/local/local-instance-provider';
import {
  healthyInstances,
  LifecycleStatus,
  postJson,
  readStatus,
  waitForStatus,
} from './support/admin-client';
import { httpGet } from './support/http-get';
import { InProcessController } from './support/in-process-controller';
import { ownLoopbackPrefix } from './support/loopback';
import { isAlive, waitUntilGone } from './support/process-tree';
import { localControllerConfig } from './support/local-controller-config';

/**
 * Manual actions on the admin listener (scale to N, drain and remove an instance, pause and resume
 * autoscaling) against the whole controller on the local provider: real processes, real sockets.
 */
describe('admin actions on the local provider', () => {
  jest.setTimeout(60_000);
  let controller: InProcessController | undefined;
  let prefix: string;

  afterEach(async () => {
    await controller?.close();
    controller = undefined;
  });

  async function start(scaling: Record<string, unknown> = {}): Promise<InProcessController> {
    prefix = ownLoopbackPrefix();
    controller = await InProcessController.start({
      ...localControllerConfig(prefix, {
        local: { bootDelayMs: 200, serviceEnv: { WORK_DELAY_MS: '0' }, stopGraceMs: 2_000 },
      }),
      scaling: { maxInstances: 3, statusPollInitialMs: 100, statusPollMaxMs: 100, ...scaling },
      health: { intervalMs: 100 },
    });
    await controller.originalAdmitted();
    return controller;
  }

  const post = (running: InProcessController, path: string, body: unknown) =>
    postJson(running.admin.host, running.admin.port, path, body);
  const log = (): string => controller?.logger.lines.join('\n') ?? '';
  const childPids = (running: InProcessController): number[] =>
    running.app.get(LocalInstanceProvider).childPids();

  it('rejects bad bodies with a 400 naming the field and what is allowed, and changes nothing', async () => {
    const running = await start();
    const cases: Array<[unknown, RegExp]> = [
      [{}, /instances must be an integer/],
      [{ instances: '2' }, /instances must be an integer/],
      [{ instances: 2.5 }, /instances must be an integer/],
      [{ instances: 0 }, /instances must be at least 1/],
      [{ instances: 2, force: true }, /force: unknown field/],
      [
        { instances: 7 },
        /instances = 7: must be from scaling\.minInstances \(1\) to scaling\.maxInstances \(3\)/,
      ],
      ['{"instances": 2', /JSON|Unexpected|Expected/i],
    ];
    for (const [body, message] of cases) {
      const reply = await post(running, '/scaling/desired', body);
      expect([reply.status, reply.text]).toEqual([400, expect.stringMatching(message)]);
    }
    const badRemove = await post(running, '/instances/service-vm-1/remove', { replace: 'yes' });
    expect([badRemove.status, badRemove.text]).toEqual([
      400,
      expect.stringContaining('replace must be true or false'),
    ]);
    const status = await readStatus(running.admin);
    expect(status.scaling).toMatchObject({ desiredInstances: 1, actualInstances: 1, events: [] });
    expect(childPids(running)).toHaveLength(1);
  });

  it('scales to N and back: new instances go through the scale-out states; a scale-in drains and deletes the newest, never the original', async () => {
    const running = await start();
    const up = await post(running, '/scaling/desired', {
      instances: 3,
      reason: 'load test tomorrow',
    });
    expect(up.status).toBe(202);
    expect(up.body).toMatchObject({
      action: 'scale',
      changed: true,
      message: 'desired instances 1 -> 3',
      scaling: { desiredInstances: 3 },
    });
    const grown = await waitForStatus(
      running.admin,
      '3 healthy instances',
      (status) => healthyInstances(status).length === 3 && status.scaling.inProgress.length === 0,
      20_000,
      log,
    );
    expect(grown.scaling).toMatchObject({ desiredInstances: 3, actualInstances: 3 });
    const scaleOuts = grown.scaling.events.filter((event) => event.kind === 'scale-out');
    expect(scaleOuts).toHaveLength(2);
    for (const event of scaleOuts) {
      expect(event).toMatchObject({ state: 'admitted', trigger: 'admin: load test tomorrow' });
      expect(Object.keys(event.phaseDurationsMs)).toEqual([
        'creating',
        'booting',
        'addressing',
        'health-checking',
      ]);
      expect(event.totalMs).toEqual(expect.any(Number));
    }
    expect(childPids(running)).toHaveLength(3);
    const [, firstClone, newest] = grown.instances;

    const same = await post(running, '/scaling/desired', { instances: 3 });
    expect(same.body).toMatchObject({ changed: false, message: 'already 3' });

    const pidsBefore = childPids(running);
    const down = await post(running, '/scaling/desired', { instances: 1 });
    expect(down.status).toBe(202);
    const shrunk = await waitForStatus(
      running.admin,
      'back to the original alone',
      (status) => status.instances.length === 1,
      20_000,
      log,
    );
    expect(shrunk.instances.map((instance) => instance.name)).toEqual(['service-vm-1']);
    const scaleIns = shrunk.scaling.events.filter((event) => event.kind === 'scale-in');
    expect(scaleIns.map((event) => [event.instanceName, event.state])).toEqual(
      expect.arrayContaining([
        [newest.name, 'removed'],
        [firstClone.name, 'removed'],
      ]),
    );
    for (const event of scaleIns)
      expect(Object.keys(event.phaseDurationsMs).sort()).toEqual(['deleting', 'draining']);
    // The two clone processes are gone; the original's is the one left.
    expect(await waitUntilGone(pidsBefore.slice(1), 5_000)).toEqual([]);
    expect(childPids(running)).toEqual([pidsBefore[0]]);
    expect(
      (await httpGet(running.proxy.host, running.proxy.port, '/')).headers['x-instance-address'],
    ).toBe(`${prefix}.1:5000`);
  });

  it('removes an instance by name (drained, deleted, desired count down) or replaces it; refuses the protected original, unknown names and going below the minimum', async () => {
    const running = await start({ minInstances: 2 });
    // minInstances 2: the controller brings a clone up by itself after start-up.
    const two = await waitForStatus(
      running.admin,
      'the minimum of 2',
      (status) => healthyInstances(status).length === 2,
      20_000,
      log,
    );
    const clone = two.instances[1];
    expect(two.scaling.events.map((event) => [event.kind, event.trigger])).toEqual([
      ['scale-out', expect.stringContaining('restart recovery')],
    ]);

    const original = await post(running, '/instances/service-vm-1/remove', {});
    expect([original.status, original.text]).toEqual([
      409,
      expect.stringContaining('scaling.scaleIn.protectOriginal is true'),
    ]);
    const unknown = await post(running, '/instances/no-such-vm/remove', {});
    expect([unknown.status, (unknown.body as { message: string }).message]).toEqual([
      404,
      expect.stringMatching(/^no instance with id or name "no-such-vm"; known: service-vm-1 /),
    ]);
    const belowMin = await post(running, `/instances/${clone.name}/remove`, {});
    expect([belowMin.status, belowMin.text]).toEqual([
      409,
      expect.stringContaining('below scaling.minInstances (2)'),
    ]);

    const replaced = await post(running, `/instances/${clone.id}/remove`, { replace: true });
    expect(replaced.status).toBe(202);
    const after = await waitForStatus(
      running.admin,
      'the clone replaced',
      (status) =>
        healthyInstances(status).length === 2 &&
        !status.instances.some((instance) => instance.id === clone.id) &&
        status.scaling.inProgress.length === 0,
      20_000,
      log,
    );
    expect(after.scaling.desiredInstances).toBe(2);
    const bySequence = [...after.scaling.events].sort((a, b) => a.sequence - b.sequence);
    expect(bySequence.map((event) => event.kind)).toEqual(['scale-out', 'heal', 'replacement']);
    expect(bySequence[1]).toMatchObject({
      instanceId: clone.id,
      state: 'removed',
      trigger: expect.stringContaining('(replaced)'),
    });

    // Without `replace`, the desired count goes down with it.
    expect((await post(running, '/scaling/desired', { instances: 3 })).status).toBe(202);
    const three = await waitForStatus(
      running.admin,
      '3 instances',
      (status) => healthyInstances(status).length === 3 && status.scaling.inProgress.length === 0,
      20_000,
      log,
    );
    const victim = three.instances[2];
    const removed = await post(running, `/instances/${victim.name}/remove`, { reason: 'bad disk' });
    expect([removed.status, removed.body]).toEqual([
      202,
      expect.objectContaining({
        changed: true,
        scaling: expect.objectContaining({ desiredInstances: 2 }),
      }),
    ]);
    const final = await waitForStatus(
      running.admin,
      `${victim.name} removed`,
      (status) => status.instances.length === 2 && status.scaling.inProgress.length === 0,
      20_000,
      log,
    );
    expect(final.instances.some((instance) => instance.id === victim.id)).toBe(false);
    expect(final.scaling.events.at(-1)).toMatchObject({
      kind: 'scale-in',
      instanceId: victim.id,
      trigger: 'admin: bad disk',
      state: 'removed',
    });
  });

  it('pause holds the request-count policy (said once), manual scaling still works; resume lets the next threshold scale out', async () => {
    const running = await start({ thresholdRequests: 3 });
    const paused = await post(running, '/scaling/pause', { reason: 'maintenance' });
    expect([paused.status, paused.body]).toEqual([
      200,
      expect.objectContaining({
        changed: true,
        scaling: expect.objectContaining({ autoscaling: 'paused' }),
      }),
    ]);
    expect((await post(running, '/scaling/pause', {})).body).toMatchObject({
      changed: false,
      message: 'autoscaling was already paused',
    });
    for (let n = 0; n < 7; n++)
      expect((await httpGet(running.proxy.host, running.proxy.port, '/')).status).toBe(200);
    expect(running.logger.matching(/autoscaling is paused: no scale-out/)).toHaveLength(1);
    expect((await readStatus(running.admin)).scaling).toMatchObject({
      desiredInstances: 1,
      events: [],
    });

    expect((await post(running, '/scaling/desired', { instances: 2 })).status).toBe(202);
    await waitForStatus(
      running.admin,
      'manual scale while paused',
      (status) => healthyInstances(status).length === 2,
      20_000,
      log,
    );

    expect((await post(running, '/scaling/resume', {})).body).toMatchObject({
      changed: true,
      scaling: { autoscaling: 'active' },
    });
    // The manual scale-out restarted the count: the 3rd request from here triggers (and, in reject mode, gets the 503).
    const statuses: number[] = [];
    for (let n = 0; n < 3; n++)
      statuses.push((await httpGet(running.proxy.host, running.proxy.port, '/')).status);
    expect(statuses).toEqual([200, 200, 503]);
    await running.scaling.settled();
    const status: LifecycleStatus = await readStatus(running.admin);
    expect(healthyInstances(status)).toHaveLength(3);
    expect(status.scaling.events.map((event) => [event.kind, event.trigger])).toEqual([
      ['scale-out', 'admin: POST /scaling/desired'],
      ['scale-out', expect.stringMatching(/reached scaling\.thresholdRequests=3/)],
    ]);
    expect(childPids(running).every(isAlive)).toBe(true);
  });
});
