import { Logger } from '@nestjs/common';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { HealthConfig } from '../config/health.config';
import { InstancePool } from '../pool/instance-pool';
import { SystemClock } from '../clock/clock';
import { HttpBackendProbe } from './backend-probe';
import { BackendHealthMonitor } from './backend-health-monitor';

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('BackendHealthMonitor', () => {
  // The services log through Nest's static Logger; keep jest's output to the assertions.
  beforeAll(() => Logger.overrideLogger(['error']));
  afterAll(() => Logger.overrideLogger(['log', 'error', 'warn', 'debug', 'verbose', 'fatal']));

  it('ejects an admitted backend after F failures in a row and restores it after K passes, once each', async () => {
    let healthy = true;
    const server = http.createServer((_req, res) => res.writeHead(healthy ? 200 : 500).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const clock = new SystemClock();
    const config = Object.assign(new HealthConfig(), {
      intervalMs: 50,
      failuresToEject: 3,
      passesToAdmit: 2,
    });
    const pool = new InstancePool(clock);
    const events: string[] = [];
    pool.events.on('ejected', (_instance, reason) => events.push(`ejected: ${reason}`));
    pool.events.on('restored', () => events.push('restored'));
    pool.register({
      id: 'a',
      name: 'vm',
      role: 'original',
      phase: 'health-checking',
      backend: { id: 'a', host: '127.0.0.1', port },
    });
    pool.admit('a');
    const monitor = new BackendHealthMonitor(
      config,
      pool,
      new HttpBackendProbe(config, clock),
      clock,
    );
    monitor.onApplicationBootstrap();
    try {
      await until(() => (pool.get('a')?.consecutiveCheckPasses ?? 0) >= 3, 5_000, 'passing checks');
      expect(pool.get('a')?.health).toBe('healthy');
      healthy = false;
      await until(() => pool.get('a')?.health === 'ejected', 5_000, 'ejection');
      expect(pool.get('a')?.consecutiveCheckFailures).toBe(3);
      healthy = true;
      await until(() => pool.get('a')?.health === 'healthy', 5_000, 'restoration');
      expect(pool.get('a')?.consecutiveCheckPasses).toBe(2);
      expect(events).toEqual([
        'ejected: failed 3 health checks in a row (last: HTTP 500)',
        'restored',
      ]);
    } finally {
      await monitor.beforeApplicationShutdown();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
