import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { HealthConfig } from '../config/health.config';
import { SystemClock } from '../clock/clock';
import { HttpBackendProbe } from './backend-probe';

/** A real HTTP server on an ephemeral loopback port whose /healthz answer the test controls. */
async function startBackend(
  handler: http.RequestListener,
): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function probeWith(overrides: Partial<HealthConfig> = {}): HttpBackendProbe {
  return new HttpBackendProbe(Object.assign(new HealthConfig(), overrides), new SystemClock());
}

describe('HttpBackendProbe', () => {
  it('passes on 2xx from the configured path and fails on anything else, never throwing', async () => {
    const paths: string[] = [];
    let status = 200;
    const backend = await startBackend((req, res) => {
      paths.push(req.url ?? '');
      res.writeHead(status).end('{}');
    });
    try {
      const probe = probeWith({ path: '/ready' });
      expect(await probe.check({ host: '127.0.0.1', port: backend.port })).toMatchObject({
        ok: true,
        detail: 'HTTP 200',
      });
      status = 204;
      expect(await probe.check({ host: '127.0.0.1', port: backend.port })).toMatchObject({
        ok: true,
        detail: 'HTTP 204',
      });
      status = 503;
      expect(await probe.check({ host: '127.0.0.1', port: backend.port })).toMatchObject({
        ok: false,
        detail: 'HTTP 503',
      });
      status = 301;
      expect(await probe.check({ host: '127.0.0.1', port: backend.port })).toMatchObject({
        ok: false,
        detail: 'HTTP 301',
      });
      expect(paths).toEqual(['/ready', '/ready', '/ready', '/ready']);
    } finally {
      await backend.close();
    }
  });

  it('reports a refused connection by its code', async () => {
    const backend = await startBackend((_req, res) => res.end());
    await backend.close(); // the port is now free: connections are refused
    expect(await probeWith().check({ host: '127.0.0.1', port: backend.port })).toMatchObject({
      ok: false,
      detail: 'ECONNREFUSED',
    });
  });

  it('fails a check that gets no answer within checkTimeoutMs', async () => {
    const backend = await startBackend(() => undefined); // never answers
    try {
      const result = await probeWith({ checkTimeoutMs: 150 }).check({
        host: '127.0.0.1',
        port: backend.port,
      });
      expect(result).toMatchObject({ ok: false, detail: 'no answer within 150 ms' });
      expect(result.durationMs).toBeGreaterThanOrEqual(100);
    } finally {
      await backend.close();
    }
  });

  it('ends a check at once when its signal aborts', async () => {
    const backend = await startBackend(() => undefined);
    try {
      const abort = new AbortController();
      const pending = probeWith({ checkTimeoutMs: 30_000 }).check(
        { host: '127.0.0.1', port: backend.port },
        abort.signal,
      );
      abort.abort();
      expect(await pending).toMatchObject({ ok: false, detail: 'check cancelled' });
    } finally {
      await backend.close();
    }
  });
});
