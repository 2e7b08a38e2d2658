import { openFdCount, rssMiB } from '../test-support/proxy/process-stats';
import { sleep, waitFor } from '../test-support/proxy/loopback';
import { startProxyUnderTest } from '../test-support/proxy/proxy-under-test';
import type { ProxyUnderTest } from '../test-support/proxy/proxy-under-test';
import { rawExchange } from '../test-support/proxy/raw-http';
import { RecordingBackend } from '../test-support/proxy/recording-backend';

/**
 * Item 8 at scale: thousands of downloads aborted mid-body. Afterwards the proxy process (its
 * own child, measured through /proc) is back near its baseline of open descriptors and memory,
 * the backend has no connection left open, and every backend handed out was settled.
 */
const ABORTS = 3_000;
const CONCURRENCY = 50;
const FD_SLACK = 8;
const RSS_SLACK_MIB = 40;

describe('proxy client-abort leak check', () => {
  let backend: RecordingBackend;
  let proxy: ProxyUnderTest;

  beforeAll(async () => {
    backend = await RecordingBackend.start();
    backend.handler = (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
      const chunk = Buffer.alloc(16 * 1024, 0x63);
      // Endless: write whenever the socket drains, until the proxy hangs up.
      const pump = (): void => {
        while (!res.destroyed && res.write(chunk));
      };
      res.on('drain', pump);
      pump();
    };
    proxy = await startProxyUnderTest('ours', [backend.asBackend()]);
  });
  afterAll(async () => {
    await proxy?.stop();
    await backend?.stop();
  });

  async function abortDownloads(count: number): Promise<void> {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < count) {
        const i = next++;
        await rawExchange(proxy.host, proxy.port, `GET /big/${i} HTTP/1.1\r\nHost: t\r\n\r\n`, {
          abortAfterBytes: 32 * 1024,
          timeoutMs: 5_000,
        });
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  }

  async function settledState(expectedSettles: number): Promise<{ fds: number; rss: number }> {
    await waitFor(
      'every download to be settled',
      () => proxy.settles.length >= expectedSettles,
      10_000,
    );
    await waitFor('upstream connections to close', () => backend.sockets.size === 0, 10_000);
    await sleep(200);
    expect(await proxy.collectGarbage()).toBe(0);
    return { fds: openFdCount(proxy.pid), rss: rssMiB(proxy.pid) };
  }

  it(`leaves no socket, memory or settle behind after ${ABORTS} aborted downloads`, async () => {
    await abortDownloads(300); // warm-up: JIT, buffers, agent
    const baseline = await settledState(300);

    const started = Date.now();
    await abortDownloads(ABORTS);
    const after = await settledState(300 + ABORTS);
    console.log(
      `abort-leak: ${ABORTS} aborts in ${Date.now() - started} ms; fds ${baseline.fds} -> ${after.fds}; ` +
        `RSS ${baseline.rss.toFixed(1)} -> ${after.rss.toFixed(1)} MiB`,
    );

    expect(after.fds).toBeLessThanOrEqual(baseline.fds + FD_SLACK);
    expect(after.rss).toBeLessThanOrEqual(baseline.rss + RSS_SLACK_MIB);
    expect(proxy.settles).toHaveLength(300 + ABORTS);
    expect(proxy.settles.every((s) => s.outcome === 'client-aborted')).toBe(true);
    expect(proxy.uncaught).toEqual([]);
    expect(proxy.exitReason()).toBeUndefined();
  }, 120_000);
});
