// Proves the golden-image promise: the built bundle runs on the exact Node.js versions Ubuntu's own
// apt repositories ship (20.04: 10.19.0, 22.04: 12.22.9), copied alone into an empty folder (no
// node_modules anywhere above it). The old Node comes from the npm registry (test-support/old-node);
// if it cannot be obtained the test FAILS, it never skips.
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { httpRequest, rawExchange } from '../test-support/http-client';
import { obtainOldNode, OldNode } from '../test-support/old-node';
import {
  killStartedServices,
  SERVICE_BUNDLE,
  startListeningService,
  startServiceProcess,
  waitForInFlight,
} from '../test-support/service-process';

const OBTAIN_OLD_NODE_TIMEOUT_MS = 330000;

afterEach(killStartedServices);

describe.each([
  ['10.19.0', '127.0.50.30'],
  ['12.22.9', '127.0.50.31'],
])('the service bundle on Node %s', (version, host) => {
  let oldNode: OldNode;
  let bundleDir: string;

  beforeAll(async () => {
    oldNode = await obtainOldNode(version, (line) => process.stderr.write(`${line}\n`));
    bundleDir = fs.mkdtempSync(path.join(os.tmpdir(), `service-bundle-node${version}-`));
    fs.copyFileSync(SERVICE_BUNDLE, path.join(bundleDir, 'main.js'));
  }, OBTAIN_OLD_NODE_TIMEOUT_MS);

  afterAll(() => {
    if (bundleDir) fs.rmSync(bundleDir, { recursive: true, force: true });
  });

  it('serves /work and /healthz concurrently, and answers 404, 405 and 400', async () => {
    const service = await startListeningService({
      nodeBinary: oldNode.binary,
      bundlePath: path.join(bundleDir, 'main.js'),
      env: { HOST: host, WORK_DELAY_MS: '300' },
    });
    // The start line is printed by the bundle itself: it really runs on the old Node.
    expect(service.output()).toContain(`(pid ${service.child.pid}, node v${version},`);

    const work = await Promise.all(
      [1, 2, 3, 4, 5].map(() => httpRequest({ host, port: service.port, path: '/work' })),
    );
    expect(work.map((result) => result.status)).toEqual([200, 200, 200, 200, 200]);
    expect(work.map((result) => result.body).sort()).toEqual(
      [1, 2, 3, 4, 5].map((count) => `hello ${count} from ${os.hostname()}\n`),
    );
    expect(work[0].headers['x-instance-address']).toBe(`${host}:${service.port}`);

    const health = await httpRequest({ host, port: service.port, path: '/healthz' });
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toMatchObject({
      status: 'ok',
      address: `${host}:${service.port}`,
      inFlight: 0,
      workCount: 5,
    });

    const missing = await httpRequest({ host, port: service.port, path: '/nope' });
    expect(missing.status).toBe(404);
    const garbage = await rawExchange({ host, port: service.port }, 'NOT HTTP AT ALL\r\n\r\n');
    expect(garbage).toMatch(/^HTTP\/1\.1 400 /);
    const wrongMethod = await httpRequest({
      host,
      port: service.port,
      path: '/work',
      method: 'POST',
    });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers['allow']).toBe('GET, HEAD');
  });

  // Node < 19 neither closes idle keep-alive sockets on server.close() nor marks in-flight
  // responses `Connection: close`: the service does both itself, and this is where it shows.
  it('on SIGTERM closes idle keep-alive sockets, finishes the in-flight request and exits 0 at once', async () => {
    const service = await startListeningService({
      nodeBinary: oldNode.binary,
      bundlePath: path.join(bundleDir, 'main.js'),
      env: { HOST: host, WORK_DELAY_MS: '500', SHUTDOWN_GRACE_MS: '60000' },
    });
    // Two agents, so the in-flight request does not simply reuse the idle socket.
    const idleAgent = new http.Agent({ keepAlive: true });
    const workAgent = new http.Agent({ keepAlive: true });
    await httpRequest({ host, port: service.port, path: '/healthz', agent: idleAgent });
    const idleSocket = Object.values(idleAgent.freeSockets).flat()[0]!;
    const idleSocketClosed = new Promise<void>((resolve) =>
      idleSocket.once('close', () => resolve()),
    );

    const inFlight = httpRequest({ host, port: service.port, path: '/work', agent: workAgent });
    await waitForInFlight({ host, port: service.port }, 1);
    service.child.kill('SIGTERM');
    const result = await inFlight;
    expect(result.body).toBe(`hello 1 from ${os.hostname()}\n`);
    expect(result.headers['connection']).toBe('close');
    // Well inside the 60 s grace period: no keep-alive socket may hold the shutdown.
    expect(await service.waitForExit(15000)).toEqual({ code: 0, signal: null });
    await idleSocketClosed;
    expect(service.output()).toContain('(1 in-flight request(s) finished, 1 /work served)');
    idleAgent.destroy();
    workAgent.destroy();
  });

  it('exits 2 with the message on a bad variable', async () => {
    const service = startServiceProcess({
      nodeBinary: oldNode.binary,
      bundlePath: path.join(bundleDir, 'main.js'),
      env: { HOST: host, PORT: '99999' },
    });
    expect(await service.waitForExit()).toEqual({ code: 2, signal: null });
    expect(service.output()).toContain('PORT="99999" is not allowed');
  });
});
