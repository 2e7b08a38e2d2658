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
 * Self-healing on the local provider: an admitted instance whose process dies, or that stops
 * answering its health checks, is replaced and the desired count kept (replacements that keep
 * failing are in healing-openstack.spec.ts, where the cloud makes them fail deterministically).
 */
describe('self-healing on the local provider', () => {
  jest.setTimeout(60_000);
  let controller: InProcessController | undefined;
  let prefix: string;
  const stopped: number[] = [];

  afterEach(async () => {
    for (const pid of stopped.splice(0)) if (isAlive(pid)) process.kill(pid, 'SIGCONT');
    await controller?.close();
    controller = undefined;
  });

  async function start(healing: Record<string, unknown> = {}): Promise<InProcessController> {
    prefix = ownLoopbackPrefix();
    controller = await InProcessController.start({
      ...localControllerConfig(prefix, {
        local: { bootDelayMs: 200, serviceEnv: { WORK_DELAY_MS: '0' }, stopGraceMs: 500 },
      }),
      scaling: {
        traffic: 'pool',
        duringScaleOut: 'serve',
        policies: [],
        maxInstances: 2,
        statusPollInitialMs: 100,
        statusPollMaxMs: 100,
        healing: { providerPollIntervalMs: 300, ...healing },
      },
      health: { intervalMs: 100, checkTimeoutMs: 200, failuresToEject: 3 },
    });
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

  /** The clone's pid: the provider's second child. */
  function clonePid(running: InProcessController): number {
    const pids = running.app.get(LocalInstanceProvider).childPids();
    if (pids.length !== 2)
      throw new Error(`expected 2 local instances, got pids ${pids.join(', ')}`);
    return pids[1];
  }

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

  it('a clone whose process dies (SIGKILL behind our back) is replaced; the desired count stays 2', async () => {
    const running = await start();
    const before = await readStatus(running.admin);
    const clone = before.instances[1];
    const pid = clonePid(running);
    process.kill(pid, 'SIGKILL');
    const after = await replaced(running, clone.id);
    expect(after.scaling).toMatchObject({
      desiredInstances: 2,
      actualInstances: 2,
      replacementsOwed: 0,
    });
    const heal = after.scaling.events.find((event) => event.kind === 'heal');
    // Whichever notices first: the provider poll (ERROR) or the health checks (refused).
    expect(heal).toMatchObject({
      instanceId: clone.id,
      state: 'removed',
      trigger: expect.stringMatching(
        /^its server is ERROR \(process exited by SIGKILL|^failed 3 health checks in a row/,
      ),
    });
    expect(after.scaling.events.filter((event) => event.kind === 'replacement')).toEqual([
      expect.objectContaining({ state: 'admitted' }),
    ]);
    expect((await httpGet(running.proxy.host, running.proxy.port, '/')).status).toBe(200);
  });

  it('a clone that stops answering (SIGSTOP) fails F health checks in a row and is replaced; its process is killed', async () => {
    const running = await start({ providerPollIntervalMs: 60_000 });
    const clone = (await readStatus(running.admin)).instances[1];
    const pid = clonePid(running);
    process.kill(pid, 'SIGSTOP');
    stopped.push(pid);
    const after = await replaced(running, clone.id);
    expect(after.scaling.events.find((event) => event.kind === 'heal')).toMatchObject({
      instanceId: clone.id,
      trigger: expect.stringMatching(
        /^failed 3 health checks in a row \(health\.failuresToEject=3; last: no answer within 200 ms\)$/,
      ),
    });
    // A stopped process ignores SIGTERM: the stop grace ran out and SIGKILL ended it.
    expect(await waitUntilGone([pid], 5_000)).toEqual([]);
  });
});
