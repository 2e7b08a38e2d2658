import { Agent } from 'node:http';
import { describeWithTools, SYSTEM_TOOLS } from '@osa/openstack-testkit';
import { httpCall } from '../test-support/proxy/http-client';
import { sleep } from '../test-support/proxy/loopback';
import { startProxyUnderTest } from '../test-support/proxy/proxy-under-test';
import type { ProxyUnderTest } from '../test-support/proxy/proxy-under-test';
import { RecordingBackend } from '../test-support/proxy/recording-backend';
import { runSlowHttpTest } from '../test-support/proxy/slowhttptest';

/**
 * Slow clients (issue 7 "Tests"), the extra with Debian's slowhttptest: it holds hundreds of slow
 * connections against our proxy (its own process) while normal requests keep flowing, every one
 * answered. The same three attacks run without the tool in proxy-slow-clients.spec.ts; this suite
 * runs where slowhttptest is installed (CI installs it) and otherwise skips, saying so.
 */
const ATTACK_SECONDS = 8;
const ATTACK_CONNECTIONS = 400;

describeWithTools(
  [SYSTEM_TOOLS.slowhttptest],
  'proxy under slow-client attack (slowhttptest)',
  () => {
    let backend: RecordingBackend;
    let proxy: ProxyUnderTest;

    beforeAll(async () => {
      backend = await RecordingBackend.start();
      proxy = await startProxyUnderTest('ours', [backend.asBackend()]);
    });
    afterAll(async () => {
      await proxy?.stop();
      await backend?.stop();
    });

    /** Normal requests every 50 ms during the attack; returns every non-200 outcome. */
    async function normalTrafficDuring(
      attack: Promise<unknown>,
    ): Promise<{ sent: number; failures: string[] }> {
      let running = true;
      void attack.finally(() => (running = false));
      const agent = new Agent({ keepAlive: true, maxSockets: 4 });
      const failures: string[] = [];
      let sent = 0;
      await sleep(1_500); // let the slow connections pile up first
      while (running) {
        sent += 1;
        await httpCall(`http://${proxy.host}:${proxy.port}/normal`, {
          agent,
          timeoutMs: 3_000,
        }).then(
          (r) => {
            if (r.status !== 200) failures.push(`status ${r.status}`);
          },
          (error: Error) => failures.push(error.message),
        );
        await sleep(50);
      }
      agent.destroy();
      return { sent, failures };
    }

    it.each([
      ['-H', 'slow headers (slowloris)'],
      ['-B', 'slow bodies (R-U-Dead-Yet)'],
      ['-X', 'slow reads'],
    ] as const)(
      '%s %s: normal requests keep flowing',
      async (mode, _description) => {
        const attack = runSlowHttpTest(
          mode,
          `http://${proxy.host}:${proxy.port}/work`,
          ATTACK_SECONDS,
          ATTACK_CONNECTIONS,
        );
        const traffic = await normalTrafficDuring(attack);
        const result = await attack;
        expect(result.lastAvailability).toBeDefined(); // the tool really ran against the proxy
        expect(traffic.failures).toEqual([]);
        expect(traffic.sent).toBeGreaterThan(20);
        expect(proxy.uncaught).toEqual([]);
        expect(proxy.exitReason()).toBeUndefined();
      },
      40_000,
    );
  },
);
