import { createServer } from 'node:http';
import type { Agent, IncomingMessage, Server, ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { proxyConfigFrom } from '../../test-support/proxy-config';
import { httpCall } from '../../test-support/proxy/http-client';
import {
  closeServer,
  listen,
  nextLoopbackAddress,
  refusingBackend,
  waitFor,
} from '../../test-support/proxy/loopback';
import { RawBackend } from '../../test-support/proxy/raw-backend';
import { RecordingBackend } from '../../test-support/proxy/recording-backend';
import { StaticTrafficDirector } from '../../test-support/proxy/static-traffic-director';
import { AttemptEngine } from './attempt-engine';
import { newExchange } from './exchange';
import type { ProxyExchangeEvent } from './exchange';
import type { Backend } from './traffic-director';
import { createUpstreamAgent } from './upstream-agent';
import { UpstreamCall } from './upstream-call';

/**
 * UpstreamCall (the plain-HTTP transport) driven by the attempt engine, without the request
 * steps around them: a real front server on loopback turns each request into an exchange whose
 * headers are just its Host, admits it through a real (static) director and sends it upstream.
 */
class Front {
  readonly events: ProxyExchangeEvent[] = [];
  url = '';
  host = '';
  port = 0;
  private server!: Server;
  private agent!: Agent;

  private constructor(readonly director: StaticTrafficDirector) {}

  static async start(backends: Backend[], settings: Record<string, unknown> = {}): Promise<Front> {
    const front = new Front(new StaticTrafficDirector(backends));
    const config = proxyConfigFrom({ upstreamConnectTimeoutMs: 2_000, ...settings });
    front.agent = createUpstreamAgent(config);
    const engine = new AttemptEngine({
      director: front.director,
      resume: () => {
        throw new Error('these tests never queue');
      },
      reporter: () => (event) => front.events.push(event),
      logInternalError: (fields) => {
        throw new Error(`${fields.msg}: ${String(fields.err)}`);
      },
    });
    const callSettings = {
      agent: front.agent,
      engine,
      upstreamTimeoutMs: config.upstreamTimeoutMs,
      upstreamConnectTimeoutMs: config.upstreamConnectTimeoutMs,
      draining: () => false,
    };
    front.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const exchange = newExchange(
        req,
        '127.0.0.1',
        false,
        new UpstreamCall(req, res, callSettings),
      );
      exchange.upstreamHeaders = ['Host', req.headers.host ?? 'front'];
      const send = (): void => {
        if (engine.admit(exchange) !== undefined) throw new Error('the director did not forward');
        engine.attempt(exchange);
      };
      if (req.headers['content-length'] === undefined) {
        send();
        return;
      }
      // A buffered body, as the readBody step leaves it: replayable on a retry.
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        exchange.body = Buffer.concat(chunks);
        exchange.hasBody = true;
        exchange.upstreamHeaders.push('Content-Length', String(exchange.body.length));
        send();
      });
    });
    const address = await listen(front.server, nextLoopbackAddress());
    front.host = address.address;
    front.port = address.port;
    front.url = `http://${address.address}:${address.port}`;
    return front;
  }

  async stop(): Promise<void> {
    this.agent.destroy();
    await closeServer(this.server);
  }
}

const OK_ANSWER = 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n';

describe('UpstreamCall with the attempt engine', () => {
  const stops: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  });

  async function front(backends: Backend[], settings?: Record<string, unknown>): Promise<Front> {
    const started = await Front.start(backends, settings);
    stops.push(() => started.stop());
    return started;
  }

  it('forwards the request, streams the answer back, and settles and reports it once', async () => {
    const backend = await RecordingBackend.start();
    stops.push(() => backend.stop());
    const proxy = await front([{ ...backend.asBackend(), id: 'b1' }]);

    const response = await httpCall(`${proxy.url}/work?x=1`);

    expect(response.status).toBe(200);
    expect(response.body).toBe(`hello from ${backend.host}:${backend.port}\n`);
    expect(backend.requests.map((r) => r.url)).toEqual(['/work?x=1']);
    await waitFor('the settle', () => proxy.director.settles.length === 1);
    expect(proxy.director.settles[0]).toMatchObject({ backendId: 'b1', outcome: 'ok' });
    expect(proxy.events).toEqual([
      expect.objectContaining({ status: 200, outcome: 'ok', backendId: 'b1', retried: false }),
    ]);
  });

  it('retries a refused connect once on the alternative, replaying the buffered body', async () => {
    const dead = await refusingBackend('dead');
    const live = await RecordingBackend.start();
    stops.push(() => live.stop());
    const proxy = await front([dead, { ...live.asBackend(), id: 'live' }]);

    const response = await httpCall(`${proxy.url}/upload`, { method: 'POST', body: 'payload' });

    expect(response.status).toBe(200);
    expect(live.requests.map((r) => [r.method, r.body])).toEqual([['POST', 'payload']]);
    await waitFor('both settles', () => proxy.director.settles.length === 2);
    expect(proxy.director.settles.map((s) => [s.backendId, s.outcome])).toEqual([
      ['dead', 'connect-failed'],
      ['live', 'ok'],
    ]);
    expect(proxy.director.outstanding()).toBe(0);
    expect(proxy.events).toEqual([expect.objectContaining({ backendId: 'live', retried: true })]);
  });

  it('without an alternative, tries the same backend once more, then answers 502 and settles once', async () => {
    const dead = await refusingBackend('dead');
    const proxy = await front([dead]);

    const response = await httpCall(`${proxy.url}/`);

    expect(response.status).toBe(502);
    expect(response.body).toBe('bad gateway: the backend connection failed\n');
    await waitFor('the settle', () => proxy.director.settles.length === 1);
    expect(proxy.director.settles[0]).toMatchObject({
      backendId: 'dead',
      outcome: 'connect-failed',
    });
    expect(proxy.director.outstanding()).toBe(0);
    expect(proxy.events).toEqual([
      expect.objectContaining({ status: 502, outcome: 'connect-failed', retried: true }),
    ]);
  });

  it('replays a request whose reused keep-alive connection was reset before any answer byte', async () => {
    let heads = 0;
    const raw = await RawBackend.start((_head, socket) => {
      heads += 1;
      // The second request arrives on the kept-alive connection of the first: reset it unread.
      if (heads === 2) socket.resetAndDestroy();
      else socket.write(OK_ANSWER);
    });
    stops.push(() => raw.stop());
    const proxy = await front([raw.asBackend('raw')]);

    expect((await httpCall(`${proxy.url}/one`)).status).toBe(200);
    const second = await httpCall(`${proxy.url}/two`);

    expect(second.status).toBe(200);
    expect(raw.heads.map((head) => head.split(' ')[1])).toEqual(['/one', '/two', '/two']);
    await waitFor('two settles', () => proxy.director.settles.length === 2);
    expect(proxy.director.settles.map((s) => s.outcome)).toEqual(['ok', 'ok']);
    expect(proxy.events.map((e) => e.retried)).toEqual([false, true]);
  });

  it('does not replay once the backend has answered a byte: a cut mid-body cuts the client', async () => {
    const raw = await RawBackend.start((_head, socket) => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly-ten-b');
      setImmediate(() => socket.destroy());
    });
    stops.push(() => raw.stop());
    const proxy = await front([raw.asBackend('raw')]);

    await expect(httpCall(`${proxy.url}/`)).rejects.toThrow();

    expect(raw.heads).toHaveLength(1);
    await waitFor('the settle', () => proxy.director.settles.length === 1);
    expect(proxy.director.settles[0].outcome).toBe('reset');
    expect(proxy.events).toEqual([expect.objectContaining({ status: 0, outcome: 'reset' })]);
  });

  it('answers 504 when the backend sends nothing within upstreamTimeoutMs, settled as timeout', async () => {
    const raw = await RawBackend.start(() => undefined);
    stops.push(() => raw.stop());
    const proxy = await front([raw.asBackend('raw')], { upstreamTimeoutMs: 300 });

    const response = await httpCall(`${proxy.url}/`);

    expect(response.status).toBe(504);
    expect(raw.heads).toHaveLength(1); // a timeout is not retried: the backend may be working on it
    await waitFor('the settle', () => proxy.director.settles.length === 1);
    expect(proxy.director.settles[0].outcome).toBe('timeout');
  });

  it('a client that leaves while the backend thinks ends the upstream request, settled client-aborted', async () => {
    const raw = await RawBackend.start(() => undefined);
    stops.push(() => raw.stop());
    const proxy = await front([raw.asBackend('raw')]);

    const client = connect({ host: proxy.host, port: proxy.port });
    client.on('error', () => undefined);
    client.write('GET /slow HTTP/1.1\r\nHost: front\r\n\r\n');
    await waitFor('the request upstream', () => raw.heads.length === 1);
    client.destroy();

    await waitFor('the upstream connection closed', () => raw.sockets.size === 0);
    await waitFor('the settle', () => proxy.director.settles.length === 1);
    expect(proxy.director.settles[0].outcome).toBe('client-aborted');
    expect(proxy.events).toEqual([
      expect.objectContaining({ status: 0, outcome: 'client-aborted' }),
    ]);
  });
});
