import { readFileSync } from 'node:fs';
import { describeWithTools, findSystemTool, SYSTEM_TOOLS } from '@osa/openstack-testkit';
import { DataPlaneDriver } from '../src/data-plane/data-plane-driver';
import { RequestCountPolicy } from '../src/scaling/request-count-policy';
import { postJson, readStatus, ScalingEventView } from './support/admin-client';
import { ControllerProcess, SERVICE_BUNDLE } from './support/controller-process';
import { getJson, httpGet } from './support/http-get';
import { InProcessController } from './support/in-process-controller';
import { ownLoopbackPrefix } from './support/loopback';
import { freePortOn } from './support/loopback-port';
import { childPidsOf, killIfAlive, waitUntilGone } from './support/process-tree';
import { expectSeedShape, runSeedLoadLoop } from './support/seed-load-loop';
import { answersAround, describeLoad, runLoad, timedGet, TimedReply } from './support/traffic-load';

interface StatusView {
  activeBackend: { name: string; address: string } | null;
  instances: Array<{
    name: string;
    role: string;
    state: string;
    ip: string | null;
    serving: boolean;
    requestsServed: number;
  }>;
  gate: { open: boolean };
}

/** The seed's local-provider settings on our own loopback /24, with HAProxy carrying the bytes. */
async function haproxyConfig(
  prefix: string,
  overrides: {
    scaling?: object;
    traffic?: object;
    haproxy?: object;
    health?: object;
    serviceEnv?: object;
    bootDelayMs?: number;
  } = {},
): Promise<Record<string, unknown>> {
  const proxyHost = `${prefix}.200`;
  return {
    proxy: { listenHost: proxyHost, listenPort: await freePortOn(proxyHost) },
    admin: { listenHost: `${prefix}.201`, listenPort: 0 },
    provider: {
      kind: 'local',
      local: {
        bundlePath: SERVICE_BUNDLE,
        firstAddress: `${prefix}.1`,
        bootDelayMs: overrides.bootDelayMs ?? 1500,
        stopGraceMs: 2000,
        serviceEnv: overrides.serviceEnv ?? {},
      },
    },
    health: { intervalMs: 200, ...overrides.health },
    scaling: { statusPollInitialMs: 100, statusPollMaxMs: 200, ...overrides.scaling },
    traffic: overrides.traffic ?? {},
    dataPlane: {
      kind: 'haproxy',
      haproxy: { binary: findSystemTool('haproxy'), ...overrides.haproxy },
    },
  };
}

/** The original is admitted AND HAProxy has it (applied through the Runtime API a moment after). */
const READY_IN_HAPROXY = /data plane members: ready service-vm-1 \|/;

async function get(
  host: string,
  port: number,
): Promise<{ status: number; instance?: string; retryAfter?: string; body: string }> {
  const reply = await httpGet(host, port, '/');
  const header = (name: string): string | undefined => [reply.headers[name]].flat()[0];
  return {
    status: reply.status,
    instance: header('x-instance-address'),
    retryAfter: header('retry-after'),
    body: reply.body.trim(),
  };
}

describeWithTools(
  [SYSTEM_TOOLS.haproxy],
  'dataPlane.kind haproxy: a real HAProxy driven through its Runtime API',
  () => {
    jest.setTimeout(120_000);

    describe('in process, counters read by hand (the request-count trigger at the documented bound)', () => {
      let controller: InProcessController | undefined;
      afterEach(async () => {
        await controller?.close();
        controller = undefined;
      });

      it('fires at the first reading after the N-th forwarded request: requests before that reading are served, the next ones get HAProxy 503 + Retry-After, then the switch', async () => {
        const prefix = ownLoopbackPrefix();
        // One reading a minute: only the test's own tick() calls read the counters.
        controller = await InProcessController.start(
          await haproxyConfig(prefix, { haproxy: { countersIntervalMs: 60_000 } }),
        );
        const running = controller;
        const driver = running.app.get(DataPlaneDriver);
        const policy = running.app.get(RequestCountPolicy);
        await running.originalAdmitted();
        await driver.idle();
        const { host, port } = running.proxy;
        const original = `${prefix}.1:5000`;
        const clone = `${prefix}.2:5000`;

        for (let n = 1; n <= 9; n++)
          expect(await get(host, port)).toMatchObject({ status: 200, instance: original });
        await driver.tick();
        expect(policy.counted).toBe(9);
        expect(running.scaling.inProgress()).toBeUndefined();

        // The 10th request and one more reach HAProxy before the next reading: both are served
        // (the built-in proxy answers the 10th itself with 503; HAProxy forwards before we count).
        expect(await get(host, port)).toMatchObject({ status: 200, instance: original });
        expect(await get(host, port)).toMatchObject({ status: 200, instance: original });
        expect(running.scaling.inProgress()).toBeUndefined();

        await driver.tick();
        const rejected = await get(host, port);
        expect(rejected).toMatchObject({ status: 503, retryAfter: '5' });
        expect(rejected.body).toMatch(/scaling out/);
        expect(running.scaling.inProgress()).toMatchObject({ kind: 'scale-out' });

        await running.scaling.settled();
        await driver.idle();
        await driver.tick(); // the gate opened when the launch ended: mirrored at this reading
        expect(await get(host, port)).toMatchObject({ status: 200, instance: clone });
        const status = await getJson<StatusView>(running.admin.host, running.admin.port, '/status');
        expect(
          status.instances.map((instance) => [instance.role, instance.state, instance.serving]),
        ).toEqual([
          ['original', 'admitted', false],
          ['clone', 'admitted', true],
        ]);
        expect(status.instances[0].requestsServed).toBe(11);
        expect(running.logger.matching(/data plane answers 503 \+ Retry-After: 5/)).toHaveLength(1);
      });
    });

    describe('the built controller as a real process', () => {
      let controller: ControllerProcess | undefined;
      let pidsToReap: number[] = [];
      afterEach(async () => {
        await controller?.stop();
        killIfAlive(pidsToReap);
        controller = undefined;
        pidsToReap = [];
      });

      it('seed scenario: 1-10 served by service-vm-1, 503 + Retry-After while scaling, then the new IP; HAProxy killed -9 is restarted with the pool; SIGTERM leaves no child', async () => {
        const prefix = ownLoopbackPrefix();
        controller = ControllerProcess.start(await haproxyConfig(prefix));
        const running = controller;
        const { proxy, admin } = await running.addresses();
        await running.waitForLine(READY_IN_HAPROXY, 20_000);
        const original = `${prefix}.1:5000`;
        const clone = `${prefix}.2:5000`;

        const responses = await runSeedLoadLoop({
          host: proxy.host,
          port: proxy.port,
          pauseMs: 100,
          maxRequests: 200,
          maxDurationMs: 60_000,
          until: (seen) =>
            seen.filter((response) => response.instanceAddress === clone).length >= 5,
        });
        // The trigger never fires before the N-th request: 1-10 all served by the original.
        expectSeedShape(responses, {
          original,
          clone,
          servedByOriginal: 10,
          retryAfter: '5',
          originalMayServeInWindow: true,
        });

        // Crash: HAProxy is restarted and given the pool back (the clone is still the one served).
        const haproxyPid = childPidsOf(running.pid).find((pid) => isHaproxy(commandOf(pid)));
        if (haproxyPid === undefined)
          throw new Error(`no haproxy child of the controller:\n${running.output}`);
        const killedAtMs = Date.now();
        process.kill(haproxyPid, 'SIGKILL');
        const duringGap: string[] = [];
        let back: { status: number; instance?: string } | undefined;
        while (Date.now() - killedAtMs < 15_000) {
          const reply = await get(proxy.host, proxy.port).catch((error: Error) => ({
            status: 0,
            instance: undefined,
            body: error.message,
          }));
          if (reply.status === 200) {
            back = reply;
            break;
          }
          duringGap.push(reply.status === 0 ? 'connection error' : String(reply.status));
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        const gapMs = Date.now() - killedAtMs;
        expect(back).toMatchObject({ status: 200, instance: clone });
        await running.waitForLine(
          /HAProxy restarted \(pid \d+\): down for \d+ ms; 2 server\(s\) and the gate given back/,
          15_000,
        );
        console.log(
          `haproxy crash: first 200 again ${gapMs} ms after kill -9 (client side); in between: ${JSON.stringify(countOf(duringGap))}; controller: ${running.lines.find((line) => /HAProxy restarted/.test(line))?.replace(/.*HAProxy restarted/, 'HAProxy restarted')}`,
        );
        // Only connection errors (nothing listening) or the data plane's own 503 while its servers come back.
        expect(duringGap.filter((what) => what !== 'connection error' && what !== '503')).toEqual(
          [],
        );
        const metrics = await httpGet(admin.host, admin.port, '/metrics');
        expect(metrics.body).toMatch(/^osa_data_plane_restarts_total 1$/m);
        expect(metrics.body).toMatch(/^osa_data_plane_up\{kind="haproxy"\} 1$/m);

        const children = childPidsOf(running.pid);
        pidsToReap = children;
        expect(children.map(commandOf).filter(isHaproxy)).toHaveLength(1);
        expect(await running.stop()).toEqual({ code: 0, signal: null });
        expect(await waitUntilGone(children, 10_000)).toEqual([]);
      });

      it('HAProxy ends with the controller even when the controller is SIGKILLed (no proxy left holding the port)', async () => {
        const prefix = ownLoopbackPrefix();
        controller = ControllerProcess.start(await haproxyConfig(prefix));
        await controller.addresses();
        await controller.waitForLine(READY_IN_HAPROXY, 20_000);
        const children = childPidsOf(controller.pid);
        pidsToReap = children;
        expect(children.map(commandOf).filter(isHaproxy)).toHaveLength(1);
        controller.signal('SIGKILL');
        await controller.exited;
        expect(await waitUntilGone(children, 10_000)).toEqual([]);
      });

      it('serve, pool mode: zero non-2xx and zero transport errors through a scale-out and a drained scale-in under load', async () => {
        const prefix = ownLoopbackPrefix();
        const threshold = 600;
        controller = ControllerProcess.start(
          await haproxyConfig(prefix, {
            bootDelayMs: 3_000,
            serviceEnv: { WORK_DELAY_MS: '20' },
            scaling: { thresholdRequests: threshold, maxInstances: 2 },
            traffic: { mode: 'pool', duringScaleOut: 'serve' },
          }),
        );
        const running = controller;
        const { proxy, admin } = await running.addresses();
        await running.waitForLine(READY_IN_HAPROXY, 20_000);
        const scaleIn = (async (): Promise<void> => {
          await new Promise((resolve) => setTimeout(resolve, 11_000));
          expect(
            (
              await postJson(admin.host, admin.port, '/scaling/pause', {
                reason: 'load test: hold the policy',
              })
            ).status,
          ).toBe(200);
          expect(
            (
              await postJson(admin.host, admin.port, '/scaling/desired', {
                instances: 1,
                reason: 'load test: scale in',
              })
            ).status,
          ).toBe(202);
        })();
        const run = await runLoad({
          url: `http://${proxy.host}:${proxy.port}/`,
          connections: 16,
          overallRate: 200,
          durationSeconds: 20,
        });
        await scaleIn;
        const status = await readStatus(admin);
        const byKind = (kind: ScalingEventView['kind']): ScalingEventView | undefined =>
          status.scaling.events.find((event) => event.kind === kind);
        const out = byKind('scale-out');
        const inEvent = byKind('scale-in');
        if (!out?.finishedAt || !inEvent?.finishedAt)
          throw new Error(
            `expected a finished scale-out and scale-in: ${JSON.stringify(status.scaling.events)}\n${running.output}`,
          );
        console.log(
          `haproxy serve + scale-in: ${describeLoad('load', run)}; scale-in drained ${inEvent.inFlightAtStart} in flight`,
        );
        expect(out.state).toBe('admitted');
        expect(inEvent).toMatchObject({ state: 'removed', inFlightAtDelete: 0 });
        expect(
          answersAround(run, 'after', Date.parse(out.finishedAt)) -
            answersAround(run, 'after', Date.parse(inEvent.startedAt)),
        ).toBeGreaterThan(0);
        expect(answersAround(run, 'after', Date.parse(inEvent.finishedAt))).toBeGreaterThan(0);
        expect(run.requests).toBeGreaterThan(threshold * 2);
        expect(run.non2xx).toBe(0);
        expect(run.transportErrors).toBe(0);
        expect(status.instances.map((instance) => [instance.name, instance.state])).toEqual([
          ['service-vm-1', 'admitted'],
        ]);
        // The clone was drained, then taken out of HAProxy (del server) once deleted.
        expect(running.output).not.toMatch(/HAProxy members not all applied/);
      });

      it('queue: requests wait in HAProxy while no instance is in rotation and go to the first admitted; its server queue is bounded by queueMaxRequests', async () => {
        const prefix = ownLoopbackPrefix();
        controller = ControllerProcess.start(
          await haproxyConfig(prefix, {
            serviceEnv: { WORK_DELAY_MS: '1000' },
            // The original needs 4 passing checks 500 ms apart: requests sent before that are held.
            health: { intervalMs: 500, passesToAdmit: 4 },
            scaling: { policies: [] },
            traffic: { duringScaleOut: 'queue', queueMaxRequests: 3, queueMaxWaitMs: 20_000 },
            haproxy: { serverMaxconn: 1 },
          }),
        );
        const running = controller;
        const { proxy } = await running.addresses();
        expect(running.output).not.toMatch(/service-vm-1 .*admitted/);
        const sentAtMs = Date.now();
        const held = await Promise.all([
          timedGet(proxy.host, proxy.port),
          timedGet(proxy.host, proxy.port),
        ]);
        const admittedLine = running.lines.findIndex((line) =>
          /service-vm-1 .*admitted/.test(line),
        );
        expect(admittedLine).toBeGreaterThanOrEqual(0);
        for (const reply of held)
          expect(reply).toMatchObject({ status: 200, instanceAddress: `${prefix}.1:5000` });
        console.log(
          `haproxy queue: 2 requests sent before the original was admitted answered ${JSON.stringify(held.map((reply) => [reply.status, reply.atMs - sentAtMs]))} (status, ms after sending)`,
        );

        // serverMaxconn 1: one request on the instance, at most 3 waiting in HAProxy's queue, the rest 503 + Retry-After at once.
        // Each takes 1 s at the instance, so all 8 arrive while the first is still being served.
        const burst: TimedReply[] = await Promise.all(
          Array.from({ length: 8 }, () => timedGet(proxy.host, proxy.port)),
        );
        const statuses = burst.map((reply) => reply.status).sort();
        expect(statuses).toEqual([200, 200, 200, 200, 503, 503, 503, 503]);
        for (const reply of burst.filter((r) => r.status === 503))
          expect(reply).toMatchObject({
            retryAfter: '5',
            body: expect.stringMatching(/queue full/),
          });
        console.log(
          `haproxy queue: burst of 8 with serverMaxconn 1, queueMaxRequests 3: ${JSON.stringify(statuses)}`,
        );
      });
    });
  },
);

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/** HAProxy's own command line (`.../haproxy -db -f ...`), not a path that merely contains the word. */
function isHaproxy(command: string): boolean {
  return /(^|\/)haproxy -db /.test(command);
}

function countOf(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}
