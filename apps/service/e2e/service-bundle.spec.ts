// The BUILT bundle (dist/apps/service/main.js, built by the test target's dependsOn) as a real
// child process on its own loopback address: start line, requests, signals, exit codes.
import { builtinModules } from 'module';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import { httpRequest, httpRequestError } from '../test-support/http-client';
import {
  killStartedServices,
  SERVICE_BUNDLE,
  startListeningService,
  startServiceProcess,
  waitForInFlight,
} from '../test-support/service-process';

const HOST = '127.0.50.20';

afterEach(killStartedServices);

describe('the service bundle', () => {
  it('is one file that requires nothing but Node built-in modules', () => {
    const source = fs.readFileSync(SERVICE_BUNDLE, 'utf8');
    const required = Array.from(
      source.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g),
      (m) => m[1],
    );
    expect(required.length).toBeGreaterThan(0);
    expect(required.filter((name) => !builtinModules.includes(name))).toEqual([]);
  });

  it('logs its address on start and answers /work and /healthz', async () => {
    const service = await startListeningService({ env: { HOST, WORK_DELAY_MS: '50' } });
    expect(service.host).toBe(HOST);
    expect(service.output()).toMatch(
      new RegExp(
        `^service: listening on ${HOST}:${service.port} as ${os.hostname()} \\(pid \\d+, node v20\\.`,
      ),
    );

    const work = await httpRequest({ host: HOST, port: service.port, path: '/work' });
    expect(work.status).toBe(200);
    expect(work.body).toBe(`hello 1 from ${os.hostname()}\n`);
    expect(work.headers['x-instance-address']).toBe(`${HOST}:${service.port}`);

    const health = await httpRequest({ host: HOST, port: service.port, path: '/healthz' });
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toMatchObject({
      status: 'ok',
      address: `${HOST}:${service.port}`,
      workCount: 1,
    });
  });

  it('on SIGTERM stops accepting, finishes the in-flight request and exits 0', async () => {
    const service = await startListeningService({ env: { HOST, WORK_DELAY_MS: '1000' } });
    const inFlight = httpRequest({ host: HOST, port: service.port, path: '/work' });
    await waitForInFlight(service, 1);

    service.child.kill('SIGTERM');
    await service.waitForOutput(/SIGTERM received, stopping/);
    const refused = await httpRequestError({ host: HOST, port: service.port, path: '/healthz' });
    expect(refused.code).toBe('ECONNREFUSED');

    const result = await inFlight;
    expect(result.status).toBe(200);
    expect(result.body).toBe(`hello 1 from ${os.hostname()}\n`);
    expect(await service.waitForExit()).toEqual({ code: 0, signal: null });
    expect(service.output()).toMatch(
      /service: stopped after \d+ ms \(1 in-flight request\(s\) finished, 1 \/work served\)\n$/,
    );
  });

  it('on SIGINT closes idle keep-alive connections and exits 0 without waiting for the grace period', async () => {
    const service = await startListeningService({ env: { HOST, SHUTDOWN_GRACE_MS: '60000' } });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    await httpRequest({ host: HOST, port: service.port, path: '/healthz', agent });
    const idleSocket = Object.values(agent.freeSockets).flat()[0]!;
    const idleSocketClosed = new Promise<void>((resolve) =>
      idleSocket.once('close', () => resolve()),
    );

    service.child.kill('SIGINT');
    // Well inside the 60 s grace period: the idle socket must not hold the shutdown.
    expect(await service.waitForExit(15000)).toEqual({ code: 0, signal: null });
    await idleSocketClosed;
    expect(service.output()).toContain('(0 in-flight request(s) finished, 0 /work served)');
    agent.destroy();
  });

  it('cuts off requests that outlast SHUTDOWN_GRACE_MS, and still exits 0', async () => {
    const service = await startListeningService({
      env: { HOST, WORK_DELAY_MS: '60000', SHUTDOWN_GRACE_MS: '200' },
    });
    const cutOff = httpRequestError({ host: HOST, port: service.port, path: '/work' });
    await waitForInFlight(service, 1);

    service.child.kill('SIGTERM');
    expect((await cutOff).message).toMatch(/socket hang up|ECONNRESET/);
    expect(await service.waitForExit()).toEqual({ code: 0, signal: null });
    expect(service.output()).toContain('grace period over, 1 request(s) cut off');
  });

  it('on a second signal cuts off the in-flight requests at once, and still exits 0', async () => {
    const service = await startListeningService({
      env: { HOST, WORK_DELAY_MS: '60000', SHUTDOWN_GRACE_MS: '60000' },
    });
    const cutOff = httpRequestError({ host: HOST, port: service.port, path: '/work' });
    await waitForInFlight(service, 1);

    service.child.kill('SIGTERM');
    await service.waitForOutput(/SIGTERM received, stopping/);
    service.child.kill('SIGINT');
    expect((await cutOff).message).toMatch(/socket hang up|ECONNRESET/);
    expect(await service.waitForExit()).toEqual({ code: 0, signal: null });
    expect(service.output()).toContain('service: SIGINT again, cutting off 1 request(s) now');
    expect(service.output()).toContain('second signal, 1 request(s) cut off');
  });

  it('exits 2 naming every invalid variable', async () => {
    const service = startServiceProcess({
      env: { HOST, PORT: 'http', WORK_DELAY_MS: '-5', SHUTDOWN_GRACE_MS: '10s' },
    });
    expect(await service.waitForExit()).toEqual({ code: 2, signal: null });
    const output = service.output();
    expect(output).toContain('service: invalid service configuration:');
    expect(output).toContain('PORT="http" is not allowed: expected a TCP port');
    expect(output).toContain('WORK_DELAY_MS="-5" is not allowed: expected a delay in milliseconds');
    expect(output).toContain('SHUTDOWN_GRACE_MS="10s" is not allowed');
    expect(output).not.toContain('listening on');
  });

  it('exits 1 with the reason when it cannot listen', async () => {
    const occupier = http.createServer();
    await new Promise<void>((resolve) => occupier.listen(0, HOST, resolve));
    const takenPort = (occupier.address() as { port: number }).port;
    try {
      const service = startServiceProcess({ env: { HOST, PORT: String(takenPort) } });
      expect(await service.waitForExit()).toEqual({ code: 1, signal: null });
      expect(service.output()).toContain(
        `service: cannot listen on HOST=${HOST} PORT=${takenPort}: EADDRINUSE`,
      );
    } finally {
      await new Promise((resolve) => occupier.close(resolve));
    }
  });
});
