import type { Socket } from 'node:net';
import { Agent } from 'node:http';
import { httpCall } from '../test-support/proxy/http-client';
import { IdleClosingBackend } from '../test-support/proxy/idle-closing-backend';
import { KillableBackend } from '../test-support/proxy/killable-backend';
import { sleep, waitFor } from '../test-support/proxy/loopback';
import { startOurProxy } from '../test-support/proxy/our-proxy';
import type { RunningProxy } from '../test-support/proxy/our-proxy';
import { RawBackend } from '../test-support/proxy/raw-backend';
import { RecordingBackend } from '../test-support/proxy/recording-backend';
import { UnacceptingBackend } from '../test-support/proxy/unaccepting-backend';
import { parseResponses, rawExchange } from '../test-support/proxy/raw-http';

/**
 * Backend faults (issue 7 "Tests"), and item 6's retry rule. Refused connections and a backend
 * that accepts but never answers are covered in proxy-forwarding.spec.ts (502, 504) and the raw
 * hygiene checks.
 */
describe('proxy backend faults', () => {
  let proxy: RunningProxy | undefined;

  afterEach(async () => {
    await proxy?.stop();
    proxy = undefined;
  });

  it('a connect that never completes times out (nothing sent) and is retried on the alternative', async () => {
    const blackHole = await UnacceptingBackend.start();
    const healthy = await RecordingBackend.start();
    try {
      proxy = await startOurProxy([blackHole.asBackend(), healthy.asBackend()], {
        upstreamConnectTimeoutMs: 300,
      });
      const res = await httpCall(`${proxy.url}/work`);
      expect(res.status).toBe(200);
      expect(proxy.director.settles.map((s) => `${s.backendId}:${s.outcome}`)).toEqual([
        'unaccepting:connect-failed',
        `${healthy.id}:ok`,
      ]);
      // Alone, the same black hole is a 504 after one retry on itself.
      proxy.director.backends = [blackHole.asBackend()];
      const alone = await httpCall(`${proxy.url}/work`);
      expect(alone.status).toBe(504);
      expect(proxy.events[1]).toEqual(expect.objectContaining({ status: 504, retried: true }));
    } finally {
      blackHole.stop();
      await healthy.stop();
    }
  });

  it('retries a request whose reused keep-alive socket the backend closed at that moment', async () => {
    // Answers the first request of each connection, then drops the connection at the next one
    // without a byte of answer: exactly "closed idle socket at the moment of reuse".
    const perSocket = new WeakMap<Socket, number>();
    const backend = await RawBackend.start((_head, socket) => {
      const n = (perSocket.get(socket) ?? 0) + 1;
      perSocket.set(socket, n);
      if (n === 1) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n');
      else socket.destroy();
    });
    try {
      proxy = await startOurProxy([backend.asBackend()]);
      expect((await httpCall(`${proxy.url}/one`)).status).toBe(200);
      expect((await httpCall(`${proxy.url}/two`)).status).toBe(200);
      expect(proxy.events.map((e) => `${e.status}:${e.retried}`)).toEqual([
        '200:false',
        '200:true',
      ]);
      expect(backend.heads).toHaveLength(3); // /one, /two (dropped), /two again on a new connection
      expect(proxy.director.settles.map((s) => s.outcome)).toEqual(['ok', 'ok']);
    } finally {
      await backend.stop();
    }
  });

  it.each([
    ['buffer', 200, true],
    ['stream', 502, false],
  ] as const)(
    'with requestBuffering: %s, a POST on a reused socket closed at reuse gets %s (retried: %s)',
    async (requestBuffering, status, retried) => {
      // A buffered body can be replayed; a streamed one already on the wire cannot.
      const perSocket = new WeakMap<Socket, number>();
      const backend = await RawBackend.start((_head, socket) => {
        const n = (perSocket.get(socket) ?? 0) + 1;
        perSocket.set(socket, n);
        if (n === 1) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n');
        else socket.destroy();
      });
      try {
        proxy = await startOurProxy([backend.asBackend()], { requestBuffering });
        expect((await httpCall(`${proxy.url}/one`)).status).toBe(200);
        const post = await httpCall(`${proxy.url}/two`, { method: 'POST', body: 'payload' });
        expect(post.status).toBe(status);
        expect(proxy.events[1]).toEqual(expect.objectContaining({ status, retried }));
      } finally {
        await backend.stop();
      }
    },
  );

  it('absorbs upstream keep-alive sockets closed at the moment of reuse: zero client errors over 16 s', async () => {
    const idleCloseMs = 400;
    const backend = await IdleClosingBackend.start(idleCloseMs);
    try {
      // The agent would keep idle sockets 10 s: longer than the backend does, on purpose, so
      // reuse races with the backend's close and the retry rule is what keeps clients whole.
      proxy = await startOurProxy([backend.asBackend()], { agentIdleTimeoutMs: 10_000 });
      const agent = new Agent({ keepAlive: true, maxSockets: 2 });
      const failures: string[] = [];
      const deadline = Date.now() + 16_000;
      let sent = 0;
      const loop = async (): Promise<void> => {
        while (Date.now() < deadline) {
          sent += 1;
          await httpCall(`${proxy!.url}/tick`, { agent, timeoutMs: 5_000 }).then(
            (r) => {
              if (r.status !== 200) failures.push(`status ${r.status}`);
            },
            (error: Error) => failures.push(error.message),
          );
          // At the backend's close period, with a few ms of jitter either side.
          await sleep(idleCloseMs - 3 + (sent % 7));
        }
      };
      await loop();
      agent.destroy();
      const retried = proxy.events.filter((e) => e.retried).length;
      console.log(
        `idle-reuse: ${sent} requests, ${backend.connections} upstream connections, ${retried} retried`,
      );
      expect(failures).toEqual([]);
      expect(sent).toBeGreaterThan(30);
    } finally {
      await backend.stop();
    }
  }, 40_000);
});

describe('proxy backend killed mid-response', () => {
  it('cuts the client response, survives, and answers 502 while the backend is gone', async () => {
    const backend = await KillableBackend.start();
    const proxy = await startOurProxy([backend.asBackend()]);
    try {
      const download = rawExchange(
        proxy.host,
        proxy.port,
        'GET /stream HTTP/1.1\r\nHost: t\r\n\r\n',
        {
          idleMs: 5_000,
          timeoutMs: 10_000,
        },
      );
      await waitFor('the download to start', () => proxy.director.handedOut.length === 1);
      await sleep(200); // some body bytes are through
      await backend.kill();
      const result = await download;
      expect(result.closedByPeer).toBe(true);
      const [response] = parseResponses(result.text);
      expect(response.status).toBe(200);
      expect(response.body.length).toBeGreaterThan(0);
      expect(response.complete).toBe(false); // no terminating chunk: the client knows it was cut
      expect((await httpCall(`${proxy.url}/again`)).status).toBe(502);
      expect(proxy.director.settles.map((s) => s.outcome)).toEqual(['reset', 'connect-failed']);
    } finally {
      await proxy.stop();
      await backend.kill();
    }
  });
});
