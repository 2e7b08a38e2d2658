import { connect } from 'node:net';
import { Agent } from 'node:http';
import type { ServerResponse } from 'node:http';
import { httpCall } from '../test-support/proxy/http-client';
import { sleep, waitFor } from '../test-support/proxy/loopback';
import { startOurProxy } from '../test-support/proxy/our-proxy';
import type { RunningProxy } from '../test-support/proxy/our-proxy';
import { headerOf, parseResponses, rawExchange } from '../test-support/proxy/raw-http';
import { RecordingBackend } from '../test-support/proxy/recording-backend';

/** Issue 7 items 1 (policy), 7 (timeouts, shutdown) and 9 (overload), plus the target checks. */
describe('proxy limits', () => {
  let backend: RecordingBackend;
  let proxy: RunningProxy | undefined;

  beforeEach(async () => {
    backend = await RecordingBackend.start();
  });
  afterEach(async () => {
    await proxy?.stop();
    proxy = undefined;
    await backend.stop();
  });

  const raw = (request: string, idleMs = 300) =>
    rawExchange(proxy!.host, proxy!.port, request, { idleMs }).then((r) => parseResponses(r.text));

  describe('request targets and framing', () => {
    beforeEach(async () => {
      proxy = await startOurProxy([backend.asBackend()]);
    });

    it('refuses an absolute-form target (we are not a forward proxy) with 400', async () => {
      const [response] = await raw(
        'GET http://elsewhere.example/ HTTP/1.1\r\nHost: elsewhere.example\r\n\r\n',
      );
      expect(response.status).toBe(400);
      expect(backend.requests).toHaveLength(0);
    });

    it('refuses CONNECT with 405', async () => {
      const [response] = await raw(
        'CONNECT elsewhere.example:443 HTTP/1.1\r\nHost: elsewhere.example:443\r\n\r\n',
      );
      expect(response.status).toBe(405);
      expect(backend.requests).toHaveLength(0);
    });

    it('refuses two Host headers with 400', async () => {
      const [response] = await raw('GET /x HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\n\r\n');
      expect(response.status).toBe(400);
      expect(backend.requests).toHaveLength(0);
    });

    it('refuses a lone Transfer-Encoding: gzip with 400 (Node parser) and gzip, chunked (our step)', async () => {
      const [lone] = await raw('POST /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\nabc');
      const [stacked] = await raw(
        'POST /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n',
      );
      expect([lone.status, stacked.status]).toEqual([400, 400]);
      expect(stacked.body).toMatch(/only "chunked"/);
      expect(backend.requests).toHaveLength(0);
    });

    it('forwards a chunked body with its trailers dropped and its framing kept', async () => {
      const [response] = await raw(
        'POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n' +
          '5\r\nhello\r\n0\r\nX-Sum: 42\r\n\r\n',
      );
      expect(response.status).toBe(200);
      expect(backend.requests[0].body).toBe('hello');
      expect(backend.requests[0].headers['transfer-encoding']).toBe('chunked');
      expect(backend.requests[0].headers.trailer).toBeUndefined();
    });
  });

  it('answers a chunked DELETE with 400 under chunkedDeleteOptions: reject', async () => {
    proxy = await startOurProxy([backend.asBackend()], { chunkedDeleteOptions: 'reject' });
    const [response] = await raw(
      'DELETE /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
    );
    expect(response.status).toBe(400);
    expect(headerOf(response, 'connection')).toBe('close');
    expect(backend.requests).toHaveLength(0);
  });

  it('answers 413 to a body over maxRequestBodyBytes, by Content-Length or while reading a chunked one', async () => {
    proxy = await startOurProxy([backend.asBackend()], { maxRequestBodyBytes: 16 });
    const [declared] = await raw(
      'POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 17\r\n\r\n12345678901234567',
    );
    const [chunked] = await raw(
      'POST /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n11\r\n12345678901234567\r\n0\r\n\r\n',
    );
    const [fits] = await raw(
      'POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 16\r\n\r\n1234567890123456',
    );
    expect([declared.status, chunked.status, fits.status]).toEqual([413, 413, 200]);
    expect(backend.requests.map((r) => r.body)).toEqual(['1234567890123456']);
  });

  it('reads a slow upload in full before choosing a backend (requestBuffering: buffer)', async () => {
    proxy = await startOurProxy([backend.asBackend()]);
    const socket = connect({ host: proxy.host, port: proxy.port });
    socket.on('error', () => undefined);
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.write('POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n01234');
    await sleep(300);
    expect(proxy.director.admitted).toHaveLength(0); // no backend held while the body trickles
    expect(backend.connectionsAccepted).toBe(0);
    socket.write('56789');
    await waitFor('the answer', () => answer.includes('\r\n\r\n'));
    socket.destroy();
    expect(parseResponses(answer)[0].status).toBe(200);
    expect(backend.requests[0].body).toBe('0123456789');
  });

  it('sheds load past maxInFlight with 503 + Retry-After, and serves again once below it', async () => {
    // The backend holds every answer until the test releases it: the first 5 stay in flight
    // while the other 15 arrive, however busy the machine.
    const held: ServerResponse[] = [];
    backend.handler = (_req, res) => held.push(res);
    proxy = await startOurProxy([backend.asBackend()], {
      maxInFlight: 5,
      overloadRetryAfterSeconds: 3,
    });
    let answered = 0;
    const pending = Array.from({ length: 20 }, () =>
      httpCall(`${proxy!.url}/slow`).finally(() => (answered += 1)),
    );
    await waitFor(
      '5 requests held at the backend and 15 answered',
      () => held.length === 5 && answered === 15,
    );
    for (const res of held) res.end('slow\n');
    const responses = await Promise.all(pending);
    backend.handler = (_req, res) => res.end('slow\n');
    const ok = responses.filter((r) => r.status === 200);
    const shed = responses.filter((r) => r.status === 503);
    expect(ok).toHaveLength(5);
    expect(shed).toHaveLength(15);
    expect(shed.every((r) => r.headers['retry-after'] === '3')).toBe(true);
    expect(backend.requests).toHaveLength(5);
    expect((await httpCall(`${proxy.url}/slow`)).status).toBe(200);
    expect(proxy.server.inFlight).toBe(0);
  });

  it('cuts a slow-header (slowloris) client after headersTimeoutMs with 408', async () => {
    // requestTimeoutMs far beyond the wait below: a 408 in that wait can only be headersTimeoutMs
    // (Node's own default is 60 s, so without the setting the client would still be waiting).
    proxy = await startOurProxy([backend.asBackend()], {
      headersTimeoutMs: 1_000,
      requestTimeoutMs: 120_000,
    });
    const result = await rawExchange(
      proxy.host,
      proxy.port,
      'GET /x HTTP/1.1\r\nHost: t\r\nX-Slow: 1',
      {
        idleMs: 20_000,
        timeoutMs: 20_000,
      },
    );
    expect(result.closedByPeer).toBe(true);
    expect(parseResponses(result.text)[0]?.status).toBe(408);
    expect(backend.requests).toHaveLength(0);
  });

  it('closes idle client keep-alive connections after keepAliveTimeoutMs', async () => {
    proxy = await startOurProxy([backend.asBackend()], { keepAliveTimeoutMs: 1_000 });
    const result = await rawExchange(proxy.host, proxy.port, 'GET /x HTTP/1.1\r\nHost: t\r\n\r\n', {
      idleMs: 4_000,
      timeoutMs: 6_000,
    });
    expect(result.closedByPeer).toBe(true);
    const [response] = parseResponses(result.text);
    expect(response.status).toBe(200);
    expect(headerOf(response, 'keep-alive')).toBe('timeout=1');
  });

  it('applies maxHeadersCount: surplus headers are dropped before the backend', async () => {
    proxy = await startOurProxy([backend.asBackend()], { maxHeadersCount: 20 });
    // Node drops the surplus at the granularity of its header batches (32 pairs), so the bound
    // is loose; without the setting (Node's default: 2000) all 100 would pass.
    const many = Array.from({ length: 100 }, (_, i) => `X-H${i}: ${i}\r\n`).join('');
    const [response] = await raw(`GET /x HTTP/1.1\r\nHost: t\r\n${many}\r\n`);
    expect(response.status).toBe(200);
    const forwarded = Object.keys(backend.requests[0].headers).filter((n) => n.startsWith('x-h'));
    expect(forwarded.length).toBeLessThan(40);
  });

  describe('graceful shutdown', () => {
    it('finishes in-flight requests (with Connection: close), refuses new connections, and returns', async () => {
      backend.handler = (_req, res) => setTimeout(() => res.end('finished\n'), 500);
      proxy = await startOurProxy([backend.asBackend()], { shutdownDeadlineMs: 5_000 });
      const agent = new Agent({ keepAlive: true });
      const idle = await httpCall(`${proxy.url}/warm`, { agent }); // leaves an idle keep-alive connection
      expect(idle.status).toBe(200);
      const inFlight = httpCall(`${proxy.url}/slow`);
      await waitFor('the request to reach the backend', () => backend.requests.length === 2);
      const stopped = proxy.server.shutdown();
      const response = await inFlight;
      expect(response.status).toBe(200);
      expect(response.body).toBe('finished\n');
      expect(response.headers.connection).toBe('close');
      await stopped;
      await expect(httpCall(`${proxy.url}/after`)).rejects.toThrow(/ECONNREFUSED/);
      agent.destroy();
      proxy = undefined;
    });

    it('cuts requests still running at shutdownDeadlineMs, so shutdown returns though the backend never answers', async () => {
      backend.handler = () => undefined; // never answers
      proxy = await startOurProxy([backend.asBackend()], { shutdownDeadlineMs: 500 });
      const stuck = httpCall(`${proxy.url}/stuck`).then(
        (r) => r.status,
        (error: Error) => error.message,
      );
      await waitFor('the request to reach the backend', () => backend.requests.length === 1);
      // The backend never answers, so shutdown() can only return by cutting the request.
      await proxy.server.shutdown();
      expect(await stuck).toMatch(/socket hang up|ECONNRESET/);
      const { server, director } = proxy;
      await waitFor('the cut request to be released', () => server.inFlight === 0);
      await waitFor('the cut request to be settled', () => director.outstanding() === 0);
      proxy = undefined;
    });
  });

  it('never runs with the insecure HTTP parser: obs-fold and Content-Length + chunked get 400', async () => {
    proxy = await startOurProxy([backend.asBackend()]);
    const [folded] = await raw('GET /x HTTP/1.1\r\nHost: t\r\nX-Folded: a\r\n b\r\n\r\n');
    const [bothFramings] = await raw(
      'POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    );
    expect([folded.status, bothFramings.status]).toEqual([400, 400]);
    expect(backend.requests).toHaveLength(0);
  });
});
