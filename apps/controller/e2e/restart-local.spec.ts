import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { healthyInstances, postJson, waitForStatus } from './support/admin-client';
import { ControllerProcess, SERVICE_BUNDLE } from './support/controller-process';
import { httpGet } from './support/http-get';
import { ownLoopbackPrefix } from './support/loopback';
import { isAlive, killIfAlive, waitUntilGone } from './support/process-tree';
import { LOGGED } from './support/log-lines';

/**
 * The built controller on the local provider, SIGKILLed in the middle of a scale-out (while the
 * new instance is `booting`) and started again with the same configuration. Either way ends with
 * exactly the desired number of healthy instances and no process or record left behind:
 * - instancesOutliveController false (default): the instances die with the controller; the
 *   restarted one clears their records (stopping any still running) and starts afresh;
 * - true: they keep serving through the crash; the restarted controller finds them again by
 *   their records, adopts the original and takes the booting clone on to admission.
 */
describe('restart after SIGKILL during a scale-out, local provider', () => {
  jest.setTimeout(90_000);
  const controllers: ControllerProcess[] = [];
  const pidsSeen = new Set<number>();
  let stateDir: string;
  let prefix: string;

  beforeEach(() => {
    prefix = ownLoopbackPrefix();
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'local-instances-'));
  });

  afterEach(async () => {
    for (const controller of controllers.splice(0)) {
      collectPids(controller);
      await controller.stop();
    }
    killIfAlive([...pidsSeen]);
    pidsSeen.clear();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  function start(outlive: boolean): ControllerProcess {
    // The clone must still be booting when the restarted controller lists the group: the boot
    // outlasts the 1 s pause plus a restart on a loaded 2-core machine (start-up also loads the
    // OpenAPI generator since the v1 admin API).
    const controller = ControllerProcess.start({
      proxy: { listenHost: `${prefix}.200`, listenPort: 0 },
      admin: { listenHost: `${prefix}.201`, listenPort: 0 },
      provider: {
        kind: 'local',
        local: {
          bundlePath: SERVICE_BUNDLE,
          firstAddress: `${prefix}.1`,
          bootDelayMs: 6_000,
          serviceEnv: { WORK_DELAY_MS: '0' },
          stopGraceMs: 2_000,
          instancesOutliveController: outlive,
          stateDir,
        },
      },
      scaling: { policies: [], maxInstances: 3, statusPollInitialMs: 100, statusPollMaxMs: 200 },
      health: { intervalMs: 100 },
    });
    controllers.push(controller);
    return controller;
  }

  /** Pids of every local instance a controller started (from its "<name> starting: pid N" lines). */
  function collectPids(controller: ControllerProcess): Map<string, number> {
    const byName = new Map<string, number>();
    for (const line of controller.lines) {
      const match = line.match(/\[LocalProvider\] (\S+) starting: pid (\d+)/);
      if (match) {
        byName.set(match[1], Number(match[2]));
        pidsSeen.add(Number(match[2]));
      }
    }
    return byName;
  }

  function recordFiles(): string[] {
    const dir = path.join(stateDir, `service@${prefix}.1`);
    return fs.existsSync(dir) ? fs.readdirSync(dir).filter((name) => name.endsWith('.json')) : [];
  }

  /** Starts a controller, waits for the original, asks for 2 instances and SIGKILLs it once the clone is booting. */
  async function killDuringBooting(
    outlive: boolean,
  ): Promise<{ original: number; clone: number; cloneName: string }> {
    const first = start(outlive);
    const { admin } = await first.addresses();
    await first.waitForLog(LOGGED.originalAdmitted, 20_000);
    expect(
      (await postJson(admin.host, admin.port, '/scaling/desired', { instances: 2 })).status,
    ).toBe(202);
    const booting = await first.waitForLog(
      LOGGED.phaseChange({ event: 'scale-out', previousPhase: 'creating', phase: 'booting' }),
      20_000,
    );
    const cloneName = String(booting.instanceName);
    first.signal('SIGKILL');
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
    const pids = collectPids(first);
    const original = pids.get('service-vm-1');
    const clone = pids.get(cloneName);
    if (original === undefined || clone === undefined)
      throw new Error(`pids not found in the log:\n${first.output}`);
    expect(recordFiles()).toHaveLength(2);
    return { original, clone, cloneName };
  }

  it('instances die with the controller; the restart clears their records and ends with the original alone, nothing leaked', async () => {
    const killed = await killDuringBooting(false);
    // Restarted at once: what is still running is stopped, what is gone is cleared.
    const second = start(false);
    const { admin, proxy } = await second.addresses();
    await second.waitForLog(LOGGED.originalAdmitted, 20_000);
    const status = await waitForStatus(
      admin,
      'recovered with 1 instance',
      (view) => view.scaling.recovered && healthyInstances(view).length === 1,
      20_000,
      () => second.output,
    );
    expect(status.scaling).toMatchObject({
      desiredInstances: 1,
      actualInstances: 1,
      inProgress: [],
    });
    expect(status.instances.map((instance) => instance.name)).toEqual(['service-vm-1']);
    const cleared = second.lines.filter((line) =>
      /ended with the previous controller; record cleared|was left running by a previous controller: stopping it/.test(
        line,
      ),
    );
    expect(cleared).toHaveLength(2);
    expect(second.output).toContain(
      'restart recovery: no server of group service besides the original',
    );
    expect(await waitUntilGone([killed.original, killed.clone], 20_000)).toEqual([]);
    // Only the new original's record; its process is a new one.
    expect(recordFiles()).toHaveLength(1);
    const newOriginal = collectPids(second).get('service-vm-1');
    expect(newOriginal).not.toBe(killed.original);
    expect((await httpGet(proxy.host, proxy.port, '/')).status).toBe(200);

    expect(await second.stop()).toEqual({ code: 0, signal: null });
    expect(await waitUntilGone([newOriginal as number], 5_000)).toEqual([]);
    expect(fs.existsSync(path.join(stateDir, `service@${prefix}.1`))).toBe(false);
  });

  it('instancesOutliveController: they keep serving through the crash; the restart adopts both (same processes), the clone after its boot', async () => {
    const killed = await killDuringBooting(true);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect([isAlive(killed.original), isAlive(killed.clone)]).toEqual([true, true]);
    const second = start(true);
    const { admin, proxy } = await second.addresses();
    const status = await waitForStatus(
      admin,
      '2 healthy instances',
      (view) => healthyInstances(view).length === 2 && view.scaling.inProgress.length === 0,
      30_000,
      () => second.output,
    );
    expect(status.scaling).toMatchObject({ desiredInstances: 2, actualInstances: 2 });
    expect(status.instances.map((instance) => instance.name)).toEqual([
      'service-vm-1',
      killed.cloneName,
    ]);
    expect(status.scaling.events).toEqual([
      expect.objectContaining({
        kind: 'adoption',
        instanceName: killed.cloneName,
        state: 'admitted',
      }),
    ]);
    expect(
      second.lines.filter((line) =>
        /kept running through the controller restart: found again/.test(line),
      ),
    ).toHaveLength(2);
    expect(
      second
        .logs({ msg: 'restart recovery: group listed', group: 'service', found: 1 })
        .map((record) => record.adopting),
    ).toEqual([
      [{ instanceId: expect.any(String), instanceName: killed.cloneName, status: 'BUILD' }],
    ]);
    // No new process: the same two serve.
    expect(collectPids(second).size).toBe(0);
    expect([isAlive(killed.original), isAlive(killed.clone)]).toEqual([true, true]);
    const seen = new Set<string>();
    for (let n = 0; n < 6; n++)
      seen.add(String((await httpGet(proxy.host, proxy.port, '/')).headers['x-instance-address']));
    expect(seen).toEqual(new Set([`${prefix}.2:5000`])); // switch mode: the newest admitted serves

    // An orderly stop still stops them.
    expect(await second.stop()).toEqual({ code: 0, signal: null });
    expect(await waitUntilGone([killed.original, killed.clone], 10_000)).toEqual([]);
    expect(recordFiles()).toEqual([]);
  });
});
