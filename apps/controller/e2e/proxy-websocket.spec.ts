import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { waitFor } from '../test-support/proxy/loopback';
import { startOurProxy } from '../test-support/proxy/our-proxy';
import type { RunningProxy } from '../test-support/proxy/our-proxy';
import { headerOf, parseResponses } from '../test-support/proxy/raw-http';
import {
  WebSocketEchoBackend,
  webSocketAccept,
} from '../test-support/proxy/websocket-echo-backend';

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

function upgradeRequest(path: string, extra = ''): string {
  return (
    `GET ${path} HTTP/1.1\r\nHost: ws.example\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\nX-Forwarded-For: 6.6.6.6\r\n${extra}\r\n`
  );
}

/** Open a raw client socket, send `request`, and collect what comes back. */
function openClient(
  proxy: RunningProxy,
  request: string,
): { socket: Socket; received: () => string } {
  const socket = connect({ host: proxy.host, port: proxy.port });
  let data = '';
  socket.on('data', (chunk: Buffer) => (data += chunk.toString('latin1')));
  socket.on('error', () => undefined);
  socket.on('connect', () => socket.write(request));
  return { socket, received: () => data };
}

describe('proxy WebSocket upgrades', () => {
  let backend: WebSocketEchoBackend;
  let proxy: RunningProxy;

  beforeEach(async () => {
    backend = await WebSocketEchoBackend.start();
    proxy = await startOurProxy([backend.asBackend()]);
  });
  afterEach(async () => {
    await proxy.stop();
    await backend.stop();
  });

  it('tunnels a WebSocket both ways, with the upgrade headers kept and X-Forwarded-For replaced', async () => {
    const client = openClient(proxy, upgradeRequest('/ws'));
    await waitFor('the 101 answer', () => client.received().includes('\r\n\r\n'));
    const [response] = parseResponses(client.received());
    expect(response.status).toBe(101);
    expect(headerOf(response, 'upgrade')).toBe('websocket');
    expect(headerOf(response, 'connection')).toBe('Upgrade');
    expect(headerOf(response, 'sec-websocket-accept')).toBe(webSocketAccept(KEY));
    expect(backend.upgradeHeaders[0]['x-forwarded-for']).toBe('127.0.0.1');
    expect(backend.upgradeHeaders[0].upgrade).toBe('websocket');

    const before = client.received().length;
    client.socket.write('ping-bytes');
    await waitFor('the echo', () => client.received().length >= before + 'ping-bytes'.length);
    expect(client.received().slice(before)).toBe('ping-bytes');

    client.socket.destroy();
    await waitFor('the backend side of the tunnel to close', () => backend.tunnels.size === 0);
    await waitFor('the settle', () => proxy.director.settles.length === 1);
    expect(proxy.director.settles[0].outcome).toBe('ok');
  });

  it('closes the client side when the backend side of the tunnel goes away', async () => {
    const client = openClient(proxy, upgradeRequest('/ws'));
    await waitFor('the tunnel', () => backend.tunnels.size === 1);
    const closed = new Promise<void>((resolve) => client.socket.once('close', () => resolve()));
    for (const socket of backend.tunnels) socket.destroy();
    await closed;
    await waitFor('the settle', () => proxy.director.settles.length === 1);
    // Settled once, for the backend it was handed, as a tunnel that ran and ended (no failure
    // outcome: the 101 was answered), and it no longer counts as in flight.
    expect(proxy.director.settles).toEqual([
      expect.objectContaining({ backendId: backend.asBackend().id, outcome: 'ok' }),
    ]);
    expect(proxy.server.inFlight).toBe(0);
  });

  it("relays a backend's refusal to upgrade and closes", async () => {
    const client = openClient(proxy, upgradeRequest('/refuse'));
    await new Promise<void>((resolve) => client.socket.once('close', () => resolve()));
    const [response] = parseResponses(client.received());
    expect(response.status).toBe(403);
    expect(response.body).toBe('refused\n');
    expect(proxy.director.settles).toEqual([expect.objectContaining({ outcome: 'ok' })]);
  });

  it('refuses upgrades to other protocols (h2c) with 400', async () => {
    const client = openClient(
      proxy,
      'GET / HTTP/1.1\r\nHost: t\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n',
    );
    await new Promise<void>((resolve) => client.socket.once('close', () => resolve()));
    expect(parseResponses(client.received())[0].status).toBe(400);
    expect(backend.upgradeHeaders).toHaveLength(0);
  });

  it('answers 503 on the upgrade while the director rejects', async () => {
    proxy.director.rejectReason = 'scaling out';
    const client = openClient(proxy, upgradeRequest('/ws'));
    await new Promise<void>((resolve) => client.socket.once('close', () => resolve()));
    const [response] = parseResponses(client.received());
    expect(response.status).toBe(503);
    expect(headerOf(response, 'retry-after')).toBe('2');
  });
});
