import { ControllerProcess } from './support/controller-process';
import { getJson } from './support/http-get';
import { ownLoopbackPrefix } from './support/loopback';
import { childPidsOf, isAlive, killIfAlive, waitUntilGone } from './support/process-tree';
import { expectSeedShape, LoopResponse, runSeedLoadLoop } from './support/seed-load-loop';
import { LOGGED } from './support/log-lines';
import { localControllerConfig } from './support/local-controller-config';

interface StatusView {
  activeBackend: { name: string; address: string } | null;
  instances: Array<{
    name: string;
    role: string;
    state: string;
    ip: string | null;
    serving: boolean;
  }>;
  lastScaleEvent: {
    state: string;
    instanceName: string;
    phaseDurationsMs: Record<string, number>;
  } | null;
  gate: { open: boolean };
}

/** The seed's local-provider settings with our own loopback addresses and a short boot delay. */
function seedConfig(prefix: string): Record<string, unknown> {
  return {
    ...localControllerConfig(prefix, { local: { bootDelayMs: 1500, stopGraceMs: 3000 } }),
    health: { intervalMs: 200 },
  };
}

describe('seed scenario (section 16) on the local provider, built controller as a real process', () => {
  jest.setTimeout(90_000);
  let controller: ControllerProcess | undefined;
  let pidsToReap: number[] = [];

  afterEach(async () => {
    await controller?.stop();
    killIfAlive(pidsToReap);
    controller = undefined;
    pidsToReap = [];
  });

  it('serves 1-9 from service-vm-1, answers 503 from request 10 while scaling, then switches to the new IP; SIGTERM leaves no child', async () => {
    const prefix = ownLoopbackPrefix();
    controller = ControllerProcess.start(seedConfig(prefix));
    const { proxy, admin } = await controller.addresses();
    await controller.waitForLog(LOGGED.originalAdmitted, 20_000);
    const originalAddress = `${prefix}.1:5000`;
    const cloneAddress = `${prefix}.2:5000`;

    const responses = await runSeedLoadLoop({
      host: proxy.host,
      port: proxy.port,
      pauseMs: 100,
      maxRequests: 200,
      maxDurationMs: 60_000,
      until: (seen) =>
        seen.filter((response) => response.instanceAddress === cloneAddress).length >= 5,
    });
    const describeLoop = (): string =>
      responses.map((r) => `${r.n}:${r.status}:${r.instanceAddress ?? r.retryAfter}`).join(' ');

    // 1-9 from service-vm-1; request 10 triggers: 503 + Retry-After until the switch; then the clone only.
    const firstFromClone = expectSeedShape(responses, {
      original: originalAddress,
      clone: cloneAddress,
      servedByOriginal: 9,
    });
    const afterSwitch: LoopResponse[] = responses.slice(firstFromClone);
    expect(cloneAddress).not.toBe(originalAddress);
    expect(afterSwitch[0].body).toMatch(/^hello 1 from /);
    if (responses.length < 15) throw new Error(`loop too short: ${describeLoop()}`);

    // Exactly one instance was created; the previous one stays running and registered.
    const status = await getJson<StatusView>(admin.host, admin.port, '/status');
    expect(status.activeBackend).toMatchObject({ address: cloneAddress });
    expect(status.gate.open).toBe(true);
    expect(status.instances.map((i) => [i.role, i.state, i.ip, i.serving])).toEqual([
      ['original', 'admitted', `${prefix}.1`, false],
      ['clone', 'admitted', `${prefix}.2`, true],
    ]);
    expect(status.lastScaleEvent).toMatchObject({
      state: 'admitted',
      instanceName: expect.stringMatching(/^service-auto-/),
    });
    expect(Object.keys(status.lastScaleEvent?.phaseDurationsMs ?? {})).toEqual([
      'creating',
      'booting',
      'addressing',
      'health-checking',
    ]);
    expect(controller.lines.filter((line) => /starting: pid \d+/.test(line))).toHaveLength(2);
    // Each transition logged once.
    for (const [previousPhase, phase] of [
      ['creating', 'booting'],
      ['booting', 'addressing'],
      ['addressing', 'health-checking'],
      ['health-checking', 'admitted'],
    ]) {
      expect(controller.logs(LOGGED.phaseChange({ previousPhase, phase }))).toHaveLength(1);
    }

    // Two service children (original + clone); after SIGTERM none is left.
    const children = childPidsOf(controller.pid);
    pidsToReap = children;
    expect(children).toHaveLength(2);
    const exit = await controller.stop();
    expect(exit).toEqual({ code: 0, signal: null });
    expect(await waitUntilGone(children, 5_000)).toEqual([]);
    expect(children.some(isAlive)).toBe(false);
  });

  it('children end by themselves when the controller is SIGKILLed', async () => {
    const prefix = ownLoopbackPrefix();
    controller = ControllerProcess.start(seedConfig(prefix));
    await controller.addresses();
    await controller.waitForLog(LOGGED.originalAdmitted, 20_000);
    const children = childPidsOf(controller.pid);
    pidsToReap = children;
    expect(children).toHaveLength(1);
    controller.signal('SIGKILL');
    expect(await controller.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(await waitUntilGone(children, 10_000)).toEqual([]);
  });
});
