import { httpGet } from './support/http-get';
import { PoolCloud } from './support/pool-cloud';
import { ServiceInstance } from './support/service-instance';
import { ConcurrentClients, countByInstance } from './support/traffic-load';

/**
 * Passive ejection with real instances: SIGKILL one instance's process under load; the requests
 * it refuses are retried on another instance, it leaves rotation after
 * `traffic.passiveFailuresToEject` failures (long before `health.failuresToEject` failed checks
 * could), and once a process listens on the same address again and passes `health.passesToAdmit`
 * checks it is back in rotation.
 */
describe('pool mode passive ejection (real instances, built controller)', () => {
  jest.setTimeout(120_000);
  let pool: PoolCloud | undefined;
  afterEach(async () => {
    await pool?.close();
    pool = undefined;
  });

  it('a killed instance is ejected without client errors beyond a request it was holding, and returns once healthy on the same address', async () => {
    pool = await PoolCloud.start({
      serviceEnvs: [{ WORK_DELAY_MS: '5' }, { WORK_DELAY_MS: '5' }, { WORK_DELAY_MS: '5' }],
      config: {
        scaling: {
          traffic: 'pool',
          duringScaleOut: 'serve',
          thresholdRequests: 3,
          maxInstances: 3,
        },
        traffic: { balancing: 'least-outstanding', passiveFailuresToEject: 2 },
        // Health checks every 200 ms would need 50 failures (10 s) to eject: any quick ejection is passive.
        health: { intervalMs: 200, failuresToEject: 50, passesToAdmit: 2 },
      },
    });
    const running = pool;
    await running.growTo(3);
    const victim = running.address(2);

    const load = new ConcurrentClients(running.proxy.host, running.proxy.port, 4, 60_000);
    try {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const killedAtMs = Date.now();
      await running.services[1].stop(); // SIGKILL: in-flight requests on it are cut, then connections are refused
      const goneAtMs = Date.now(); // the victim's process has exited
      // Generous: the metrics below prove the ejection was passive, not the health checks' (50 failures).
      const ejected = await running.waitForStatus(
        'the killed instance to be ejected',
        (status) =>
          status.instances.some(
            (instance) => instance.ip === `${running.prefix}.2` && instance.health === 'ejected',
          ),
        30_000,
      );
      const ejectedAfterMs = Date.now() - killedAtMs;
      expect(
        ejected.instances.find((instance) => instance.ip === `${running.prefix}.2`)?.serving,
      ).toBe(false);
      await running.controller.waitForLog(
        {
          msg: /^out of rotation \(passive ejection\)/,
          address: `${running.prefix}.2:5000`,
          failuresInARow: 2,
        },
        1_000,
      );

      // Out of rotation: the other two serve everything.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const whileOut = countByInstance(load.since(Date.now() - 800));
      expect(whileOut[victim]).toBeUndefined();

      // A process listens on the same address again: K passing checks and it is back.
      const restartedAtMs = Date.now();
      running.services[1] = await ServiceInstance.start(`${running.prefix}.2`, 5000, {
        WORK_DELAY_MS: '5',
      });
      await running.waitForStatus(
        'the restarted instance to be back in rotation',
        (status) =>
          status.instances.some(
            (instance) =>
              instance.ip === `${running.prefix}.2` &&
              instance.health === 'healthy' &&
              instance.serving,
          ),
        10_000,
      );
      const backAfterMs = Date.now() - restartedAtMs;
      const backAtMs = Date.now();
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const afterReturn = countByInstance(load.since(backAtMs));
      const replies = await load.stop();

      const errors = replies.filter((reply) => reply.status !== 200);
      console.log(
        `passive ejection: ${replies.length} requests, ${errors.length} error(s) ${JSON.stringify(errors.map((error) => [error.status, error.atMs - killedAtMs]))}; ` +
          `ejected ${ejectedAfterMs} ms after the kill; back in rotation ${backAfterMs} ms after the restart; served after return: ${JSON.stringify(afterReturn)}`,
      );
      // Refused requests are retried on another instance, and so is a request whose reused connection
      // was reset before any answer byte; at most a request the victim was half-way through answering
      // fails: one sent before its process was gone.
      expect(errors.length).toBeLessThanOrEqual(1);
      for (const error of errors) {
        expect(error.status).toBe(502);
        expect(error.atMs - error.latencyMs).toBeLessThanOrEqual(goneAtMs);
      }
      expect(afterReturn[victim]).toBeGreaterThan(0);
      expect(running.controller.output).toMatch(
        new RegExp(
          `${running.prefix.replace(/\./g, '\\.')}\\.2:5000\\) back in rotation after 2 passing health checks`,
        ),
      );
      const metrics = await httpGet(running.admin.host, running.admin.port, '/metrics');
      expect(metrics.body).toMatch(/^osa_instance_ejections_total\{by="passive"\} 1$/m);
      expect(metrics.body).toMatch(/^osa_instance_ejections_total\{by="health-checks"\} 0$/m);
    } finally {
      await load.stop();
    }
  });
});
