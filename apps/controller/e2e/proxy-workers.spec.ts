import * as fs from 'node:fs';
import { connect } from 'node:net';
import { availableParallelism } from 'node:os';
import { ControllerProcess, SERVICE_BUNDLE } from './support/controller-process';
import { getJson, httpGet } from './support/http-get';
import { ownLoopbackPrefix } from './support/loopback';
import { childPidsOf, isAlive, killIfAlive, waitUntilGone } from './support/process-tree';
import { expectSeedShape, runSeedLoadLoop } from './support/seed-load-loop';
import { waitFor as waitForCondition } from '../test-support/proxy/loopback';
import { startProxyUnderTest } from '../test-support/proxy/proxy-under-test';
import { headerOf, parseResponses } from '../test-support/proxy/raw-http';
import {
  WebSocketEchoBackend,
  webSocketAccept,
} from '../test-support/proxy/websocket-echo-backend';
import { LOGGED } from './support/log-lines';

interface StatusView {
  gate: { open: boolean };
  instances: Array<{
    role: string;
    state: string;
    ip: string | null;
    serving: boolean;
    inFlight: number;
  }>;
}

/** The seed's local-provider settings with two proxy workers. */
function workersConfig(prefix: string): Record<string, unknown> {
  return {
    proxy: { listenHost: `${prefix}.200`, listenPort: 0, workers: 2 },
    admin: { listenHost: `${prefix}.201`, listenPort: 0 },
    provider: {
      kind: 'local',
      local: {
        bundlePath: SERVICE_BUNDLE,
        firstAddress: `${prefix}.1`,
        bootDelayMs: 1500,
        stopGraceMs: 3000,
      },
    },
    health: { intervalMs: 200 },
  };
}

/** The controller's children that are proxy workers (the others are local service instances). */
function proxyWorkerPids(controllerPid: number): number[] {
  return childPidsOf(controllerPid).filter((pid) => {
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('proxy-worker.main.js');
    } catch {
      return false;
    }
  });
}

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function pollUntil(
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

// Two workers need two CPUs: `proxy.workers` is validated against the machine's CPU count.
const describeWithTwoCpus = availableParallelism() >= 2 ? describe : describe.skip;
if (availableParallelism() < 2)
  console.warn('proxy-workers e2e skipped: needs a machine with 2 or more CPUs (proxy.workers: 2)');

describeWithTwoCpus(
  'proxy.workers: 2 (node:cluster workers, one control plane in the controller)',
  () => {
    jest.setTimeout(90_000);
    let controller: ControllerProcess | undefined;
    let pidsToReap: number[] = [];

    afterEach(async () => {
      await controller?.stop();
      killIfAlive(pidsToReap);
      controller = undefined;
      pidsToReap = [];
    });

    it('gives exactly the seed responses: 1-9 from the original, 503 from request 10 while scaling, then the clone', async () => {
      const prefix = ownLoopbackPrefix();
      controller = ControllerProcess.start(workersConfig(prefix));
      const { proxy, admin } = await controller.addresses();
      await controller.waitForLine(/proxy listening on .*\(2 workers\)/, 20_000);
      await controller.waitForLog(LOGGED.originalAdmitted, 20_000);
      const workers = proxyWorkerPids(controller.pid);
      pidsToReap = workers;
      expect(workers).toHaveLength(2);
      const originalAddress = `${prefix}.1:5000`;
      const cloneAddress = `${prefix}.2:5000`;

      // Each request on a fresh connection: the cluster hands connections to the workers in turn,
      // so the count crosses workers (request 10 lands on another worker than request 9).
      const responses = await runSeedLoadLoop({
        host: proxy.host,
        port: proxy.port,
        pauseMs: 100,
        maxRequests: 200,
        maxDurationMs: 60_000,
        until: (seen) =>
          seen.filter((response) => response.instanceAddress === cloneAddress).length >= 5,
      });

      expectSeedShape(responses, {
        original: originalAddress,
        clone: cloneAddress,
        servedByOriginal: 9,
      });
      expect(controller.lines.filter((line) => /starting: pid \d+/.test(line))).toHaveLength(2);

      // The last answers' settles reach the controller over IPC just after their clients have
      // them (README, "Workers": in-flight figures lag): wait for them before reading the view.
      let status = await getJson<StatusView>(admin.host, admin.port, '/status');
      await pollUntil(
        'the answered requests settled',
        async () => {
          status = await getJson<StatusView>(admin.host, admin.port, '/status');
          return status.instances.every((instance) => instance.inFlight === 0);
        },
        5_000,
      );
      expect(status.gate.open).toBe(true);
      expect(status.instances.map((i) => [i.role, i.state, i.serving, i.inFlight])).toEqual([
        ['original', 'admitted', false, 0],
        ['clone', 'admitted', true, 0],
      ]);

      // SIGTERM: the workers drain and exit with the controller.
      expect(await controller.stop()).toEqual({ code: 0, signal: null });
      expect(await waitUntilGone(workers, 5_000)).toEqual([]);
    });

    it('restarts a worker killed while it holds requests; what it held is settled, the port keeps answering', async () => {
      const prefix = ownLoopbackPrefix();
      controller = ControllerProcess.start(workersConfig(prefix));
      const { proxy, admin } = await controller.addresses();
      await controller.waitForLine(/proxy listening on .*\(2 workers\)/, 20_000);
      await controller.waitForLog(LOGGED.originalAdmitted, 20_000);
      const before = proxyWorkerPids(controller.pid);
      expect(before).toHaveLength(2);
      pidsToReap = [...before];
      const inFlightNow = async (): Promise<number[]> =>
        (await getJson<StatusView>(admin.host, admin.port, '/status')).instances.map(
          (i) => i.inFlight,
        );

      // Four requests on fresh connections (two per worker, handed out in turn); the local
      // instances answer after WORK_DELAY_MS (200 ms), so all four are held by the backend while
      // the controller counts them in flight. Eight requests in all stay below the trigger (10).
      const held = Array.from({ length: 4 }, () =>
        httpGet(proxy.host, proxy.port, '/').then(
          (reply) => reply.status,
          () => 'cut' as const,
        ),
      );
      await pollUntil(
        '4 requests counted in flight',
        async () => (await inFlightNow())[0] === 4,
        5_000,
      );
      const [victim, survivor] = before;
      process.kill(victim, 'SIGKILL');
      const outcomes = await Promise.all(held);
      // The survivor's requests complete; the victim's connections are cut.
      expect(outcomes.filter((outcome) => outcome === 200).length).toBeGreaterThanOrEqual(1);
      expect(outcomes.filter((outcome) => outcome === 'cut').length).toBeGreaterThanOrEqual(1);
      expect(outcomes.every((outcome) => outcome === 200 || outcome === 'cut')).toBe(true);

      await controller.waitForLine(
        new RegExp(
          `proxy worker \\d+ \\(pid ${victim}\\) exited \\(code null, signal SIGKILL\\); restarting`,
        ),
        10_000,
      );
      await controller.waitForLine(/proxy worker restarted, listening on/, 20_000);
      const running = controller;
      const after = await waitFor(
        'two live workers',
        () => {
          const pids = proxyWorkerPids(running.pid);
          return pids.length === 2 ? pids : undefined;
        },
        10_000,
      );
      pidsToReap.push(...after);
      expect(after).toContain(survivor);
      expect(after).not.toContain(victim);
      expect(isAlive(victim)).toBe(false);

      // The dead worker's leases went back: nothing stays counted in flight.
      await pollUntil(
        'no request counted in flight after the crash',
        async () => (await inFlightNow())[0] === 0,
        5_000,
      );
      // Fresh connections alternate between the workers: both answer, on the same port.
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++)
        statuses.push((await httpGet(proxy.host, proxy.port, '/')).status);
      expect(statuses).toEqual(Array(4).fill(200));
      // A worker's settle reaches the controller over IPC after its client has the answer
      // (README, "Workers": in-flight figures lag), so the count comes back to 0 shortly after.
      await pollUntil(
        'the four answered requests settled',
        async () => (await inFlightNow())[0] === 0,
        5_000,
      );
    });

    it('tunnels a WebSocket through a worker: admitted and settled once by the controller side', async () => {
      const backend = await WebSocketEchoBackend.start();
      const proxy = await startProxyUnderTest('ours-workers', [backend.asBackend()]);
      try {
        const key = 'dGhlIHNhbXBsZSBub25jZQ==';
        const socket = connect({ host: proxy.host, port: proxy.port });
        let received = '';
        socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
        socket.on('error', () => undefined);
        socket.on('connect', () =>
          socket.write(
            `GET /ws HTTP/1.1\r\nHost: ws.example\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
              `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
          ),
        );
        await waitForCondition('the 101 answer', () => received.includes('\r\n\r\n'));
        const [response] = parseResponses(received);
        expect(response.status).toBe(101);
        expect(headerOf(response, 'sec-websocket-accept')).toBe(webSocketAccept(key));
        const before = received.length;
        socket.write('ping-bytes');
        await waitForCondition('the echo', () => received.length >= before + 'ping-bytes'.length);
        expect(received.slice(before)).toBe('ping-bytes');
        socket.destroy();
        await waitForCondition('the settle', () => proxy.settles.length === 1);
        expect(proxy.settles).toEqual([
          expect.objectContaining({ backendId: backend.asBackend().id, outcome: 'ok' }),
        ]);
        expect(proxy.uncaught).toEqual([]);
      } finally {
        await proxy.stop();
        await backend.stop();
      }
    });
  },
);
