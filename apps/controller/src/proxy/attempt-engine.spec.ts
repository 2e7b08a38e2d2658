import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { httpCall } from '../../test-support/proxy/http-client';
import { refusingBackend, waitFor } from '../../test-support/proxy/loopback';
import { startOurProxy } from '../../test-support/proxy/our-proxy';
import type { RunningProxy } from '../../test-support/proxy/our-proxy';
import { parseResponses } from '../../test-support/proxy/raw-http';
import { RecordingBackend } from '../../test-support/proxy/recording-backend';
import { WebSocketEchoBackend } from '../../test-support/proxy/websocket-echo-backend';
import { MAX_QUEUE_HOPS } from './attempt-engine';
import type { Backend, TrafficDecision } from './traffic-director';

/**
 * The attempt engine is shared by plain requests and WebSocket upgrades: these drive it through
 * the real ProxyServer on loopback, on the paths the two used to implement separately (nested
 * queue decisions, the retry on the alternative, settling once).
 */

/** A queue decision whose next decision is another queue, `depth` times, then `last`. */
function nestedQueue(depth: number, last: TrafficDecision): Promise<TrafficDecision> {
  let decision: TrafficDecision = last;
  for (let i = 0; i < depth; i++) {
    decision = { kind: 'queue', decision: Promise.resolve(decision), withdraw: () => undefined };
  }
  return Promise.resolve(decision);
}

function upgrade(proxy: RunningProxy): { socket: Socket; received: () => string } {
  const socket = connect({ host: proxy.host, port: proxy.port });
  let data = '';
  socket.on('data', (chunk: Buffer) => (data += chunk.toString('latin1')));
  socket.on('error', () => undefined);
  socket.on('connect', () =>
    socket.write(
      'GET /ws HTTP/1.1\r\nHost: ws.example\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    ),
  );
  return { socket, received: () => data };
}

describe('AttemptEngine (through the proxy, plain and WebSocket)', () => {
  const stops: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  });

  async function proxyFor(backends: Backend[]): Promise<RunningProxy> {
    const proxy = await startOurProxy(backends);
    stops.push(() => proxy.stop());
    return proxy;
  }

  it(`follows nested queue decisions up to ${MAX_QUEUE_HOPS} hops, then forwards`, async () => {
    const backend = await RecordingBackend.start();
    stops.push(() => backend.stop());
    const proxy = await proxyFor([backend.asBackend()]);
    proxy.director.queueNext = nestedQueue(
      MAX_QUEUE_HOPS - 1,
      proxy.director.forward(backend.asBackend()),
    );

    expect((await httpCall(`${proxy.url}/work`)).status).toBe(200);
    await waitFor('the settle', () => proxy.director.settles.length === 1);
    expect(proxy.director.settles[0].outcome).toBe('ok');
  });

  it('answers 503 instead of following more nested queue decisions than that', async () => {
    const backend = await RecordingBackend.start();
    stops.push(() => backend.stop());
    const proxy = await proxyFor([backend.asBackend()]);
    proxy.director.queueNext = nestedQueue(MAX_QUEUE_HOPS, {
      kind: 'forward',
      backend: backend.asBackend(),
    });

    const response = await httpCall(`${proxy.url}/work`);

    expect(response.status).toBe(503);
    expect(response.body).toBe('no backend became available\n');
    expect(response.headers['retry-after']).toBe('1');
    expect(backend.requests).toHaveLength(0);
    expect(proxy.events).toEqual([expect.objectContaining({ status: 503, outcome: 'local' })]);
  });

  it('answers 503 when a queued decision fails', async () => {
    const backend = await RecordingBackend.start();
    stops.push(() => backend.stop());
    const proxy = await proxyFor([backend.asBackend()]);
    proxy.director.queueNext = Promise.reject(new Error('queue wait limit reached'));

    const response = await httpCall(`${proxy.url}/work`);

    expect(response.status).toBe(503);
    expect(proxy.events).toEqual([
      expect.objectContaining({ status: 503, error: 'Error: queue wait limit reached' }),
    ]);
  });

  it('opens a tunnel for a WebSocket upgrade that was queued first', async () => {
    const backend = await WebSocketEchoBackend.start();
    stops.push(() => backend.stop());
    const proxy = await proxyFor([backend.asBackend()]);
    proxy.director.queueNext = nestedQueue(1, proxy.director.forward(backend.asBackend()));

    const client = upgrade(proxy);
    stops.push(async () => void client.socket.destroy());
    await waitFor('the 101 answer', () => client.received().includes('\r\n\r\n'));

    expect(parseResponses(client.received())[0].status).toBe(101);
    expect(backend.tunnels.size).toBe(1);
  });

  it('retries a WebSocket handshake whose connect was refused on the alternative, settling each once', async () => {
    const dead = await refusingBackend('dead');
    const backend = await WebSocketEchoBackend.start();
    stops.push(() => backend.stop());
    const live = { ...backend.asBackend(), id: 'live' };
    const proxy = await proxyFor([dead, live]);

    const client = upgrade(proxy);
    await waitFor('the 101 answer', () => client.received().includes('\r\n\r\n'));
    expect(parseResponses(client.received())[0].status).toBe(101);
    expect(proxy.events).toEqual([
      expect.objectContaining({ status: 101, backendId: 'live', retried: true }),
    ]);

    client.socket.destroy();
    await waitFor('both settles', () => proxy.director.settles.length === 2);
    expect(proxy.director.settles.map((s) => [s.backendId, s.outcome])).toEqual([
      ['dead', 'connect-failed'],
      ['live', 'ok'],
    ]);
    expect(proxy.director.outstanding()).toBe(0);
  });

  it('answers a WebSocket upgrade 502 when no backend accepts, settling once', async () => {
    const dead = await refusingBackend('dead');
    const proxy = await proxyFor([dead]);

    const client = upgrade(proxy);
    await new Promise<void>((resolve) => client.socket.once('close', () => resolve()));

    expect(parseResponses(client.received())[0].status).toBe(502);
    await waitFor('the settle', () => proxy.director.settles.length === 1);
    expect(proxy.director.settles[0]).toMatchObject({
      backendId: 'dead',
      outcome: 'connect-failed',
    });
    expect(proxy.events).toEqual([
      expect.objectContaining({ status: 502, outcome: 'connect-failed', retried: true }),
    ]);
  });
});
