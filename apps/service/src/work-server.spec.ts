// In-process tests of the /work server: a real server on its own loopback address and an
// ephemeral port, real HTTP clients and raw sockets.
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import { httpRequest, httpRequestError, rawExchange } from '../test-support/http-client';
import {
  createWorkServer,
  formatSocketAddress,
  ListeningAddress,
  WorkServer,
  WorkServerOptions,
} from './work-server';

const HOST = '127.0.50.10';

const running: WorkServer[] = [];

async function startServer(
  options: Partial<WorkServerOptions> = {},
  host = HOST,
): Promise<{ server: WorkServer; address: ListeningAddress }> {
  const server = createWorkServer({ workDelayMs: 200, hostname: 'test-host', ...options });
  running.push(server);
  const address = await server.listen(0, host);
  return { server, address };
}

afterEach(async () => {
  const servers = running.splice(0);
  await Promise.all(servers.map((server) => (server.forceClose(), server.close(0))));
});

async function waitUntil(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('formatSocketAddress', () => {
  it.each([
    ['10.0.0.5', 5000, '10.0.0.5:5000'],
    ['::ffff:10.0.0.5', 5000, '10.0.0.5:5000'],
    ['::FFFF:192.168.1.20', 80, '192.168.1.20:80'],
    ['::1', 5000, '[::1]:5000'],
    ['fd00::ffff:1', 5000, '[fd00::ffff:1]:5000'],
  ])('%s port %d -> %s', (address, port, expected) => {
    expect(formatSocketAddress(address, port)).toBe(expected);
  });
});

describe('GET /work', () => {
  it('answers like the Flask original, counting per process, with the instance address header', async () => {
    const { address } = await startServer();
    const first = await httpRequest({ host: HOST, port: address.port, path: '/work' });
    const second = await httpRequest({ host: HOST, port: address.port, path: '/work' });

    expect(first.status).toBe(200);
    expect(first.body).toBe('hello 1 from test-host\n');
    expect(second.body).toBe('hello 2 from test-host\n');
    expect(first.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(first.headers['content-length']).toBe(String(Buffer.byteLength(first.body)));
    expect(first.headers['x-instance-address']).toBe(`${HOST}:${address.port}`);
  });

  it("uses the machine's hostname by default, like socket.gethostname()", async () => {
    const { address } = await startServer({ hostname: undefined });
    const result = await httpRequest({ host: HOST, port: address.port, path: '/work' });
    expect(result.body).toBe(`hello 1 from ${os.hostname()}\n`);
  });

  it('waits the configured delay before answering', async () => {
    const { address } = await startServer({ workDelayMs: 300 });
    const startedAt = Date.now();
    await httpRequest({ host: HOST, port: address.port, path: '/work' });
    // A lower bound (the delay is really applied), not a speed assertion; timers may fire ~1 ms early.
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(290);
  });

  it('ignores the query string, as Flask routing does', async () => {
    const { address } = await startServer({ workDelayMs: 0 });
    const result = await httpRequest({ host: HOST, port: address.port, path: '/work?from=test' });
    expect(result.body).toBe('hello 1 from test-host\n');
  });

  it('does not serialize: all 100 concurrent requests have started before the first is answered, each with its own count', async () => {
    // Overlap, not elapsed time: a server that handles one request at a time answers the first
    // before it counts the second, whatever the delay. The delay only has to outlast the arrival
    // of 100 loopback connections, so it is generous.
    const { server, address } = await startServer({ workDelayMs: 3_000 });
    const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
    const requests = Array.from({ length: 100 }, () =>
      httpRequest({ host: HOST, port: address.port, path: '/work', agent }),
    );
    const all = Promise.all(requests);
    all.catch(() => undefined); // a failed check below destroys the rest; their errors are moot
    await Promise.race(requests);
    const startedWhenFirstAnswered = server.workCount;
    if (startedWhenFirstAnswered !== 100) agent.destroy(); // do not wait out a serializing server
    expect(startedWhenFirstAnswered).toBe(100);
    const results = await all;
    agent.destroy();

    expect(results.every((result) => result.status === 200)).toBe(true);
    const counts = results.map((result) =>
      Number(/^hello (\d+) from test-host\n$/.exec(result.body)![1]),
    );
    expect(counts.sort((a, b) => a - b)).toEqual(
      Array.from({ length: 100 }, (_unused, index) => index + 1),
    );
  });

  it('HEAD runs the view like Flask does: headers of the GET answer, no body, counter incremented', async () => {
    const { server, address } = await startServer({ workDelayMs: 0 });
    const head = await httpRequest({
      host: HOST,
      port: address.port,
      path: '/work',
      method: 'HEAD',
    });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(head.headers['content-length']).toBe(
      String(Buffer.byteLength('hello 1 from test-host\n')),
    );
    expect(head.headers['x-instance-address']).toBe(`${HOST}:${address.port}`);
    expect(server.workCount).toBe(1);
  });

  it('survives a client that disconnects while it waits, and forgets the request', async () => {
    const { server, address } = await startServer({ workDelayMs: 60000 });
    const socket = net.connect(address.port, HOST);
    socket.on('error', () => undefined);
    socket.write(`GET /work HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`);
    await waitUntil(() => server.inFlight === 1, 'the request to be in flight');
    socket.destroy();
    await waitUntil(() => server.inFlight === 0, 'the abandoned request to be dropped');

    const health = await httpRequest({ host: HOST, port: address.port, path: '/healthz' });
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toMatchObject({ inFlight: 0, workCount: 1 });
  });
});

describe('X-Instance-Address', () => {
  it('shows an IPv4-mapped IPv6 local address as plain IPv4', async () => {
    const { address } = await startServer({ workDelayMs: 0 }, `::ffff:${HOST}`);
    expect(address.address).toBe(`::ffff:${HOST}`);
    const result = await httpRequest({ host: HOST, port: address.port, path: '/work' });
    expect(result.headers['x-instance-address']).toBe(`${HOST}:${address.port}`);
  });
});

describe('GET /healthz', () => {
  it('answers small JSON at once, without touching the counter, even while /work requests wait', async () => {
    const { server, address } = await startServer({ workDelayMs: 60000 });
    const pendingWork = httpRequestError({ host: HOST, port: address.port, path: '/work' });
    await waitUntil(() => server.inFlight === 1, 'the /work request to be in flight');

    const health = await httpRequest({ host: HOST, port: address.port, path: '/healthz' });
    expect(health.status).toBe(200);
    expect(health.headers['content-type']).toBe('application/json; charset=utf-8');
    const body = JSON.parse(health.body);
    expect(body).toEqual({
      status: 'ok',
      hostname: 'test-host',
      address: `${HOST}:${address.port}`,
      uptimeMs: expect.any(Number),
      inFlight: 1,
      workCount: 1,
    });
    expect(health.headers['x-instance-address']).toBe(`${HOST}:${address.port}`);

    const head = await httpRequest({
      host: HOST,
      port: address.port,
      path: '/healthz',
      method: 'HEAD',
    });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(server.workCount).toBe(1);

    server.forceClose();
    await server.close(0);
    expect((await pendingWork).message).toMatch(/socket hang up|ECONNRESET/);
  });
});

describe('routing', () => {
  it.each(['/', '/work/', '/Work', '/healthz/extra', '/%%%', '/work.html'])(
    'answers 404 for %s',
    async (path) => {
      const { server, address } = await startServer({ workDelayMs: 0 });
      const result = await httpRequest({ host: HOST, port: address.port, path });
      expect(result.status).toBe(404);
      expect(result.body).toBe('not found\n');
      expect(server.workCount).toBe(0);
    },
  );

  it.each([
    ['POST', '/work'],
    ['PUT', '/work'],
    ['DELETE', '/healthz'],
    ['OPTIONS', '/work'],
    ['PATCH', '/healthz'],
  ])('answers 405 with an Allow header for %s %s', async (method, path) => {
    const { server, address } = await startServer({ workDelayMs: 0 });
    const result = await httpRequest({ host: HOST, port: address.port, path, method });
    expect(result.status).toBe(405);
    expect(result.headers['allow']).toBe('GET, HEAD');
    expect(result.body).toBe(`method ${method} not allowed, use GET, HEAD\n`);
    expect(server.workCount).toBe(0);
  });
});

describe('malformed requests', () => {
  it.each([
    ['a garbage request line', 'THIS IS NOT HTTP\r\n\r\n', 400],
    ['a bad Content-Length', 'GET /work HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n', 400],
    ['a header without a colon', 'GET /work HTTP/1.1\r\nHost x\r\n\r\n', 400],
    [
      'oversized headers',
      `GET /work HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(100000)}\r\n\r\n`,
      431,
    ],
  ])(
    'answers %s with a short error and closes, and keeps serving',
    async (_what, request, status) => {
      const clientErrors: string[] = [];
      const { server, address } = await startServer({
        workDelayMs: 0,
        onClientError: (m) => clientErrors.push(m),
      });
      const answer = await rawExchange({ host: HOST, port: address.port }, request);
      expect(answer).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
      expect(answer).toContain('Connection: close');
      expect(clientErrors).toHaveLength(1);

      const result = await httpRequest({ host: HOST, port: address.port, path: '/work' });
      expect(result.body).toBe('hello 1 from test-host\n');
      expect(server.workCount).toBe(1);
    },
  );
});

describe('close()', () => {
  it('stops accepting, lets the in-flight request finish with Connection: close, then resolves', async () => {
    const { server, address } = await startServer({ workDelayMs: 300 });
    const inFlight = httpRequest({ host: HOST, port: address.port, path: '/work' });
    await waitUntil(() => server.inFlight === 1, 'the request to be in flight');

    const closing = server.close(10000);
    const refused = await httpRequestError({ host: HOST, port: address.port, path: '/healthz' });
    expect(refused.code).toBe('ECONNREFUSED');

    const result = await inFlight;
    expect(result.status).toBe(200);
    expect(result.body).toBe('hello 1 from test-host\n');
    expect(result.headers['connection']).toBe('close');
    const summary = await closing;
    expect(summary).toMatchObject({ inFlightAtClose: 1, cutOff: 0, forced: false });
    expect(server.close(10000)).toBe(closing);
  });

  it('closes idle keep-alive connections instead of waiting for their timeout', async () => {
    const { server, address } = await startServer({ workDelayMs: 0 });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const first = await httpRequest({ host: HOST, port: address.port, path: '/healthz', agent });
    expect(first.headers['connection']).toBe('keep-alive');
    const idleSockets = Object.values(agent.freeSockets).flat();
    expect(idleSockets).toHaveLength(1);
    const idleSocketClosed = new Promise<void>((resolve) =>
      idleSockets[0]!.once('close', () => resolve()),
    );

    const summary = await server.close(30000);
    await idleSocketClosed;
    expect(summary).toMatchObject({ inFlightAtClose: 0, cutOff: 0, forced: false });
    agent.destroy();
  });

  it('cuts off requests still running when the grace period ends', async () => {
    const { server, address } = await startServer({ workDelayMs: 60000 });
    const cutOff = httpRequestError({ host: HOST, port: address.port, path: '/work' });
    await waitUntil(() => server.inFlight === 1, 'the request to be in flight');

    const summary = await server.close(100);
    expect(summary).toMatchObject({ inFlightAtClose: 1, cutOff: 1, forced: true });
    expect((await cutOff).message).toMatch(/socket hang up|ECONNRESET/);
  });

  it('forceClose() cuts off at once instead of waiting for the grace period', async () => {
    const { server, address } = await startServer({ workDelayMs: 60000 });
    const cutOff = httpRequestError({ host: HOST, port: address.port, path: '/work' });
    await waitUntil(() => server.inFlight === 1, 'the request to be in flight');

    const closing = server.close(60000);
    server.forceClose();
    expect(await closing).toMatchObject({ cutOff: 1, forced: true });
    expect((await cutOff).message).toMatch(/socket hang up|ECONNRESET/);
  });

  it('resolves at once for a server that never listened', async () => {
    const server = createWorkServer({ workDelayMs: 0 });
    expect(await server.close(1000)).toMatchObject({ inFlightAtClose: 0, forced: false });
  });
});

describe('listen()', () => {
  it('rejects with the system error when the address is taken', async () => {
    const { address } = await startServer();
    const second = createWorkServer({ workDelayMs: 0 });
    await expect(second.listen(address.port, HOST)).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });
});
