import { healthyInstances, waitForStatus } from './support/admin-client';
import { ControllerProcess } from './support/controller-process';
import { httpGet } from './support/http-get';
import { ownLoopbackPrefix } from './support/loopback';
import { LOGGED } from './support/log-lines';
import { localControllerConfig } from './support/local-controller-config';

/**
 * Issue 12 §4: `node main.js | head -1` (or a `tee` killed with Ctrl-C). The reader of the
 * controller's stdout goes away; every later log line fails with EPIPE. The data path must not
 * care: the controller keeps serving (and scaling, which logs a lot), and a later SIGTERM still
 * runs the orderly shutdown and exits 0.
 */
describe('controller whose stdout reader goes away', () => {
  jest.setTimeout(90_000);
  let controller: ControllerProcess | undefined;

  afterEach(async () => {
    await controller?.stop();
    controller = undefined;
  });

  it('drops its log output, keeps serving and scaling, and a later SIGTERM exits 0 after the shutdown sequence', async () => {
    const prefix = ownLoopbackPrefix();
    controller = ControllerProcess.start({
      ...localControllerConfig(prefix, { local: { bootDelayMs: 200, stopGraceMs: 3000 } }),
      scaling: { thresholdRequests: 3, maxInstances: 2 },
      health: { intervalMs: 200 },
    });
    const { proxy, admin } = await controller.addresses();
    await controller.waitForLog(LOGGED.originalAdmitted, 20_000);

    controller.closeStdoutReader();

    // Requests 1-3: the third starts a scale-out, whose every transition writes a log line.
    const statuses: number[] = [];
    for (let request = 0; request < 3; request++)
      statuses.push((await httpGet(proxy.host, proxy.port, '/')).status);
    expect(statuses.slice(0, 2)).toEqual([200, 200]);
    const scaled = await waitForStatus(
      admin,
      'the clone admitted',
      (status) => healthyInstances(status).length === 2,
      30_000,
      () => controller?.output ?? '',
    );
    expect(scaled.instances.map((instance) => instance.role)).toEqual(['original', 'clone']);

    // The failed writes were noticed (said once, on stderr) and the process is still serving.
    await controller.waitForLine(
      /stdout failed \(EPIPE\); its log output is dropped from now on, serving continues/,
      10_000,
    );
    const after = await httpGet(proxy.host, proxy.port, '/');
    expect(after.status).toBe(200);
    expect(after.headers['x-instance-address']).toBe(`${prefix}.2:5000`);
    expect((await httpGet(admin.host, admin.port, '/healthz')).status).toBe(200);
    expect(controller.lines.filter((line) => /stdout failed/.test(line))).toHaveLength(1);

    expect(await controller.stop()).toEqual({ code: 0, signal: null });
  });
});
