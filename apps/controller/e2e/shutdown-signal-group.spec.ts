import { ControllerProcess } from './support/controller-process';
import { httpGet } from './support/http-get';
import { ownLoopbackPrefix } from './support/loopback';
import { LOGGED } from './support/log-lines';
import { localControllerConfig } from './support/local-controller-config';

/**
 * Issue 12 §3: a signal to the whole process group (a terminal's Ctrl-C, a supervisor, `nx serve`
 * forwarding it) reaches the instances together with the controller. From the first signal on
 * nothing may start -- no scale-out, replacement or heal -- instances that exit meanwhile are
 * stopped, not failed, and the orderly stop exits 0.
 */
describe('shutdown by a signal to the process group', () => {
  jest.setTimeout(90_000);
  let controller: ControllerProcess | undefined;
  afterEach(async () => {
    await controller?.stop();
    controller = undefined;
  });

  it('never heals: the instances and the controller get SIGTERM together (twice, as a forwarding supervisor sends it), and it exits 0', async () => {
    const prefix = ownLoopbackPrefix();
    controller = ControllerProcess.start(
      {
        ...localControllerConfig(prefix, {
          local: { bootDelayMs: 100, serviceEnv: { WORK_DELAY_MS: '1500' }, stopGraceMs: 2_000 },
        }),
        // Fast health checks and provider polls, so a dead instance would be noticed (and healed) at once.
        scaling: {
          thresholdRequests: 2,
          maxInstances: 3,
          statusPollInitialMs: 50,
          statusPollMaxMs: 50,
          healing: { providerPollIntervalMs: 100 },
        },
        health: { intervalMs: 50, failuresToEject: 1 },
      },
      {},
      { ownProcessGroup: true },
    );
    const { proxy } = await controller.addresses();
    await controller.waitForLog(LOGGED.originalAdmitted, 20_000);
    await httpGet(proxy.host, proxy.port, '/');
    await httpGet(proxy.host, proxy.port, '/'); // the threshold: a clone is made
    await controller.waitForLog(LOGGED.launchDone('scale-out'), 30_000);
    const instancePids = [...controller.output.matchAll(/starting: pid (\d+)/g)].map((match) =>
      Number(match[1]),
    );
    expect(instancePids).toHaveLength(2);

    // A request in flight keeps the proxy draining for a while: the window in which a controller that
    // had not stopped scaling would see the instances die and start replacements.
    const inFlight = httpGet(proxy.host, proxy.port, '/').catch((error: Error) => error);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const beforeSignal = controller.lines.length;
    // Everything at once: the controller's group and each instance's own group, then the copy a supervisor forwards.
    process.kill(-controller.pid, 'SIGTERM');
    for (const pid of instancePids) process.kill(-pid, 'SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 20));
    controller.signal('SIGTERM');
    const exit = await controller.exited;
    await inFlight;
    const afterSignal = controller.lines.slice(beforeSignal).join('\n');

    if (exit.code !== 0 || /being replaced|triggered|-> failed/.test(afterSignal))
      console.log(JSON.stringify(exit), afterSignal);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(afterSignal).toMatch(
      /SIGTERM received: no scale-out, replacement or heal starts from now on/,
    );
    expect(afterSignal).not.toMatch(/is being replaced/);
    expect(afterSignal).not.toMatch(/(scale-out|replacement) #\d+ triggered/);
    expect(afterSignal).not.toMatch(/-> failed/);
    expect(afterSignal).not.toMatch(/again, exiting now/);
  });
});
