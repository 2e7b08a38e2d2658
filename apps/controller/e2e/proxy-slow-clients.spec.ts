import { httpCall } from '../test-support/proxy/http-client';
import { SlowClientAttack } from '../test-support/slow-client-attack';
import type { SlowAttackKind, SlowAttackReport } from '../test-support/slow-client-attack';
import { ControllerProcess } from './support/controller-process';
import { describeWithTools, findSystemTool, SYSTEM_TOOLS } from '@osa/openstack-testkit';
import { getJson } from './support/http-get';
import { ownLoopbackPrefix } from './support/loopback';
import { freePortOn } from './support/loopback-port';
import { LOGGED } from './support/log-lines';
import { localControllerConfig } from './support/local-controller-config';

/**
 * Slow clients against the built controller (a real process, local provider, the real service
 * behind it), with nothing but Node: hundreds of slow connections of each kind, reopened as the
 * controller cuts them, while normal requests keep being answered. What is asserted is what the
 * controller does: every normal request gets 200 while the attack is at full strength, and every
 * slow connection is closed by the controller (408 for a head or body that never completes, the
 * keep-alive timeout for a reader that never asks again) rather than held open.
 * The slowhttptest variant of the same attacks is proxy-slow-clients-slowhttptest.spec.ts.
 */
const SLOW_CONNECTIONS = 250;
/** Three generations of slow connections at most: the attack's bound in count. */
const MAX_SLOW_CONNECTIONS = 3 * SLOW_CONNECTIONS;
const TRICKLE_MS = 1_000;
/** Normal requests sent during one attack: at least this many, and at most MAX_NORMAL. */
const MIN_NORMAL = 30;
const MAX_NORMAL = 400;
/** How long the attack may wait for the controller to close what is still open (a bound, not a speed claim). */
const CLOSE_GRACE_MS = 15_000;

const TIMEOUTS = { headersTimeoutMs: 2_000, requestTimeoutMs: 3_000, keepAliveTimeoutMs: 2_000 };

interface NormalTraffic {
  readonly statuses: number[];
  readonly failures: string[];
  /** Slow connections open when each normal answer arrived. */
  readonly slowOpenAtAnswer: number[];
}

/** The same attacks with either data path: the built-in proxy, or HAProxy (`dataPlane.kind: haproxy`). */
function slowClientAttacks(dataPlane: 'builtin' | 'haproxy'): () => void {
  return () => {
    jest.setTimeout(90_000);
    let controller: ControllerProcess;
    let proxy: { host: string; port: number };
    let admin: { host: string; port: number };

    beforeAll(async () => {
      const prefix = ownLoopbackPrefix();
      const haproxy = dataPlane === 'haproxy';
      controller = ControllerProcess.start({
        ...localControllerConfig(prefix, {
          // HAProxy must be told its port (no ephemeral port with an external data plane).
          proxy: { ...TIMEOUTS, listenPort: haproxy ? await freePortOn(`${prefix}.200`) : 0 },
          local: { bootDelayMs: 0, serviceEnv: { WORK_DELAY_MS: '0' } },
        }),
        ...(haproxy
          ? { dataPlane: { kind: 'haproxy', haproxy: { binary: findSystemTool('haproxy') } } }
          : {}),
        scaling: { policies: [] }, // the attack's requests must not start a scale-out (503s)
        health: { intervalMs: 200 },
      });
      ({ proxy, admin } = await controller.addresses());
      // With HAProxy: once it has the instance too (applied through its Runtime API just after).
      if (haproxy)
        await controller.waitForLine(/data plane members: ready service-vm-1 \|/, 20_000);
      else await controller.waitForLog(LOGGED.originalAdmitted, 20_000);
    });
    afterAll(async () => {
      await controller?.stop();
    });

    /**
     * Normal GETs, each on a new connection, one after another while the attack runs: until the
     * controller has cut a full generation of slow connections (so the normal traffic spans the
     * cuts and the reconnects), at least MIN_NORMAL and at most MAX_NORMAL of them.
     */
    async function normalTrafficDuring(attack: SlowClientAttack): Promise<NormalTraffic> {
      const traffic: NormalTraffic = { statuses: [], failures: [], slowOpenAtAnswer: [] };
      while (
        traffic.statuses.length + traffic.failures.length < MAX_NORMAL &&
        (traffic.statuses.length + traffic.failures.length < MIN_NORMAL ||
          attack.closedByServer < SLOW_CONNECTIONS)
      ) {
        await httpCall(`http://${proxy.host}:${proxy.port}/`, { timeoutMs: 10_000 }).then(
          (response) => traffic.statuses.push(response.status),
          (error: Error) => traffic.failures.push(error.message),
        );
        traffic.slowOpenAtAnswer.push(attack.open);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return traffic;
    }

    /** Waits (bounded) until the attack has all its slow connections open. */
    async function fullStrength(attack: SlowClientAttack): Promise<void> {
      const deadline = Date.now() + 10_000;
      while (attack.open < SLOW_CONNECTIONS && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 20));
    }

    /** `closedBy:answers` -> connections, e.g. { 'server:408': 500 }. */
    const summary = (report: SlowAttackReport): Record<string, number> => {
      const counts: Record<string, number> = {};
      for (const outcome of report.outcomes) {
        const key = `${outcome.closedBy}:${outcome.statuses.join('+') || 'no answer'}`;
        counts[key] = (counts[key] ?? 0) + 1;
      }
      return counts;
    };

    it.each<[SlowAttackKind, string, string]>([
      // Node's headersTimeout answers 408 and closes.
      ['slow-headers', '408 at headersTimeoutMs', '408'],
      // The body is buffered before a backend is chosen; requestTimeout answers 408 and closes.
      ['slow-body', '408 at requestTimeoutMs', '408'],
      // Its three pipelined GETs are answered; then the idle connection is closed at keepAliveTimeoutMs.
      ['slow-read', 'closed after its answers at keepAliveTimeoutMs', '200+200+200'],
    ])(
      '%s: normal requests all get 200 during the attack; every slow connection is cut (%s)',
      async (kind, _cut, answers) => {
        const attack = SlowClientAttack.start({
          kind,
          host: proxy.host,
          port: proxy.port,
          path: kind === 'slow-body' ? '/work' : '/',
          connections: SLOW_CONNECTIONS,
          maxConnections: MAX_SLOW_CONNECTIONS,
          trickleMs: TRICKLE_MS,
        });
        await fullStrength(attack);
        const traffic = await normalTrafficDuring(attack);
        const report = await attack.stop(CLOSE_GRACE_MS);

        // The attack really was hundreds of slow connections at once, and they were open while the
        // normal requests were answered.
        expect(report.peakOpen).toBe(SLOW_CONNECTIONS);
        expect(Math.min(...traffic.slowOpenAtAnswer)).toBeGreaterThanOrEqual(SLOW_CONNECTIONS / 2);
        // Every normal request was answered 200.
        expect(traffic.failures).toEqual([]);
        expect(traffic.statuses.length).toBeGreaterThanOrEqual(MIN_NORMAL);
        expect(traffic.statuses.filter((status) => status !== 200)).toEqual([]);
        // The controller cut every slow connection (none was still open when the attack ended), the
        // way its timeouts say; at least one full generation was cut and replaced during the traffic.
        expect(summary(report)).toEqual({ [`server:${answers}`]: report.opened });
        expect(report.opened).toBeGreaterThan(SLOW_CONNECTIONS);
        // The controller is still up and serving.
        expect(controller.lines.filter((line) => /uncaught|unhandled/i.test(line))).toEqual([]);
        await expect(getJson(admin.host, admin.port, '/healthz')).resolves.toBeDefined();
        expect((await httpCall(`http://${proxy.host}:${proxy.port}/`)).status).toBe(200);
      },
    );
  };
}

describe(
  'slow-client attacks on raw sockets against the built controller',
  slowClientAttacks('builtin'),
);

// HAProxy's timeouts are configured from the same keys (headersTimeoutMs -> timeout http-request,
// which with requestBuffering buffer also bounds the body; keepAliveTimeoutMs -> timeout http-keep-alive).
describeWithTools(
  [SYSTEM_TOOLS.haproxy],
  'slow-client attacks on raw sockets against the built controller, dataPlane.kind haproxy',
  slowClientAttacks('haproxy'),
);
