import { Agent, get as httpGetRaw } from 'node:http';
import { createServer, Server } from 'node:net';
import { Test } from '@nestjs/testing';
import { Module } from '@nestjs/common';
import { PROXY_CONFIG } from '../src/config/proxy.config';
import { proxyConfigFrom } from '../test-support/proxy-config';
import { ProxyModule } from '../src/proxy/proxy.module';
import { ProxyServer } from '../src/proxy/proxy-server';
import { TRAFFIC_DIRECTOR } from '../src/proxy/traffic-director';
import { httpCall } from '../test-support/proxy/http-client';
import { closeServer, listen, nextLoopbackAddress, waitFor } from '../test-support/proxy/loopback';
import { startOurProxy } from '../test-support/proxy/our-proxy';
import type { RunningProxy } from '../test-support/proxy/our-proxy';
import { RecordingBackend } from '../test-support/proxy/recording-backend';
import { StaticTrafficDirector } from '../test-support/proxy/static-traffic-director';

/** The basic data path: forward, map `GET /` to `/work`, 503 gate, 502/504 table, one settle each. */
describe('proxy forwarding', () => {
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

  it('forwards GET / to the backend as GET /work and returns its answer', async () => {
    proxy = await startOurProxy([backend.asBackend()]);
    const res = await httpCall(`${proxy.url}/?x=1`);
    expect(res.status).toBe(200);
    expect(res.body).toBe(`hello from ${backend.host}:${backend.port}\n`);
    expect(res.headers['x-instance-address']).toBe(`${backend.host}:${backend.port}`);
    expect(backend.requests.map((r) => `${r.method} ${r.url}`)).toEqual(['GET /work?x=1']);
    expect(proxy.director.admitted).toEqual([
      { method: 'GET', path: '/?x=1', remoteAddress: '127.0.0.1' },
    ]);
  });

  it('passes other paths through unchanged and carries request bodies', async () => {
    proxy = await startOurProxy([backend.asBackend()]);
    await httpCall(`${proxy.url}/healthz`);
    await httpCall(`${proxy.url}/items`, {
      method: 'POST',
      body: 'payload',
      headers: { 'Content-Type': 'text/plain' },
    });
    expect(backend.requests.map((r) => `${r.method} ${r.url} ${r.body}`)).toEqual([
      'GET /healthz ',
      'POST /items payload',
    ]);
  });

  it('reuses upstream connections (keep-alive agent)', async () => {
    proxy = await startOurProxy([backend.asBackend()]);
    for (let i = 0; i < 5; i++) expect((await httpCall(`${proxy.url}/work`)).status).toBe(200);
    expect(backend.connectionsAccepted).toBe(1);
  });

  it('answers 503 with Retry-After and the reason on a reject decision, without touching a backend', async () => {
    proxy = await startOurProxy([backend.asBackend()]);
    proxy.director.rejectReason = 'scaling out: a new instance is booting';
    const res = await httpCall(`${proxy.url}/`);
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('2');
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toBe('scaling out: a new instance is booting\n');
    expect(backend.requests).toHaveLength(0);
    expect(proxy.director.settles).toHaveLength(0);
  });

  it('answers a queued request once the decision arrives', async () => {
    proxy = await startOurProxy([backend.asBackend()]);
    let release!: () => void;
    proxy.director.queueNext = new Promise((resolve) => {
      release = () => resolve(proxy!.director.forward(backend.asBackend()));
    });
    const pending = httpCall(`${proxy.url}/work`);
    await waitFor('the request to be admitted', () => proxy!.director.admitted.length === 1);
    expect(backend.requests).toHaveLength(0);
    release();
    expect((await pending).status).toBe(200);
    expect(proxy.director.settles).toEqual([
      expect.objectContaining({ backendId: backend.id, outcome: 'ok' }),
    ]);
    expect(proxy.director.withdrawn).toBe(0);
  });

  it('withdraws a queued request whose client hangs up, so its place is not held until the wait limit', async () => {
    proxy = await startOurProxy([backend.asBackend()]);
    proxy.director.queueNext = new Promise(() => undefined); // never decided: only the client can end it
    const request = httpGetRaw(`${proxy.url}/work`, { agent: false });
    request.on('error', () => undefined);
    await waitFor('the request to be admitted', () => proxy!.director.admitted.length === 1);
    expect(proxy.director.withdrawn).toBe(0);
    request.destroy();
    await waitFor('the withdrawal', () => proxy!.director.withdrawn === 1);
    expect(backend.requests).toHaveLength(0);
  });

  it('answers 502 when the backend refuses connections, settling once with connect-failed', async () => {
    const refusing = { id: 'refusing', host: nextLoopbackAddress(), port: 9 }; // nothing listens there
    proxy = await startOurProxy([refusing]);
    const res = await httpCall(`${proxy.url}/work`);
    expect(res.status).toBe(502);
    expect(proxy.director.settles).toEqual([
      expect.objectContaining({ backendId: 'refusing', outcome: 'connect-failed' }),
    ]);
    expect(proxy.director.outstanding()).toBe(0);
  });

  it('retries once on the alternative backend when the first refused, settling each once', async () => {
    const refusing = { id: 'refusing', host: nextLoopbackAddress(), port: 9 };
    proxy = await startOurProxy([refusing, backend.asBackend()]);
    const res = await httpCall(`${proxy.url}/work`);
    expect(res.status).toBe(200);
    expect(proxy.director.settles.map((s) => `${s.backendId}:${s.outcome}`)).toEqual([
      'refusing:connect-failed',
      `${backend.id}:ok`,
    ]);
    expect(proxy.events[0]).toEqual(expect.objectContaining({ status: 200, retried: true }));
  });

  it('answers 504 when the backend accepts but never answers within upstreamTimeoutMs', async () => {
    // Reads (so it notices the proxy hanging up) but never answers.
    const silent: Server = createServer((socket) => socket.on('error', () => undefined).resume());
    const address = await listen(silent, nextLoopbackAddress());
    try {
      proxy = await startOurProxy([{ id: 'silent', host: address.address, port: address.port }], {
        upstreamTimeoutMs: 300,
      });
      const res = await httpCall(`${proxy.url}/work`);
      expect(res.status).toBe(504);
      expect(proxy.director.settles).toEqual([
        expect.objectContaining({ backendId: 'silent', outcome: 'timeout' }),
      ]);
    } finally {
      await closeServer(silent);
    }
  });

  it('settles exactly once per backend handed out over many mixed requests', async () => {
    proxy = await startOurProxy([backend.asBackend()]);
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    try {
      const statuses = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          httpCall(`${proxy!.url}/n${i}`, { agent }).then((r) => r.status),
        ),
      );
      expect(statuses.every((s) => s === 200)).toBe(true);
    } finally {
      agent.destroy();
    }
    expect(proxy.director.handedOut).toHaveLength(60);
    expect(proxy.director.settles).toHaveLength(60);
    expect(proxy.director.outstanding()).toBe(0);
  });
});

describe('ProxyModule in a Nest application', () => {
  it('listens on bootstrap with the provided director and config, and stops on app.close()', async () => {
    const backend = await RecordingBackend.start();
    const director = new StaticTrafficDirector([backend.asBackend()]);
    const config = proxyConfigFrom({ listenHost: nextLoopbackAddress(), listenPort: 0 });
    // What the control plane does: a module exporting the two seam providers.
    @Module({
      providers: [
        { provide: TRAFFIC_DIRECTOR, useValue: director },
        { provide: PROXY_CONFIG, useValue: config },
      ],
      exports: [TRAFFIC_DIRECTOR, PROXY_CONFIG],
    })
    class SeamModule {}
    const moduleRef = await Test.createTestingModule({
      imports: [ProxyModule.register({ imports: [SeamModule] })],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    try {
      await app.init();
      const address = app.get(ProxyServer).address();
      expect(address).toBeDefined();
      const res = await httpCall(`http://${address!.address}:${address!.port}/`);
      expect(res.status).toBe(200);
      expect(backend.requests.map((r) => r.url)).toEqual(['/work']);
    } finally {
      await app.close();
      await backend.stop();
    }
    expect(app.get(ProxyServer).address()).toBeUndefined();
  });
});
