import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { HealthConfig } from '../config/health.config';
import { SystemClock } from '../clock/clock';
import { ManualClock } from '../../test-support/manual-clock';
import { HttpBackendProbe } from './backend-probe';
import { BackendReadiness, ReadinessTimeoutError } from './backend-readiness';

describe('BackendReadiness (admission after K passing checks in a row)', () => {
  let server: http.Server;
  let port: number;
  let answers: number[];
  let served: number;

  beforeEach(async () => {
    served = 0;
    server = http.createServer((_req, res) => {
      const status = answers[Math.min(served, answers.length - 1)];
      served++;
      res.writeHead(status).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterEach(() => new Promise<void>((resolve) => server.close(() => resolve())));

  function readiness(overrides: Partial<HealthConfig>): BackendReadiness {
    const config = Object.assign(new HealthConfig(), { intervalMs: 50, ...overrides });
    const clock = new SystemClock();
    return new BackendReadiness(config, new HttpBackendProbe(config, clock), clock);
  }

  it('admits after K consecutive passes, counting from the last failure', async () => {
    answers = [503, 200, 503, 200, 200, 200];
    const seen: string[] = [];
    const result = await readiness({ passesToAdmit: 3 }).waitUntilReady(
      { host: '127.0.0.1', port },
      { onCheck: (check, passes) => seen.push(`${check.detail}:${passes}`) },
    );
    expect(result).toEqual({ checks: 6 });
    expect(seen).toEqual([
      'HTTP 503:0',
      'HTTP 200:1',
      'HTTP 503:0',
      'HTTP 200:1',
      'HTTP 200:2',
      'HTTP 200:3',
    ]);
  });

  it('after the first pass, the rest of the K passes come passIntervalMs apart (fast admission); after a failure, intervalMs', async () => {
    answers = [503, 200, 200, 200];
    const config = Object.assign(new HealthConfig(), { intervalMs: 1_000, passesToAdmit: 3 });
    const clock = new ManualClock();
    const checkedAtMs: number[] = [];
    let done = false;
    void new BackendReadiness(config, new HttpBackendProbe(config, clock), clock)
      .waitUntilReady(
        { host: '127.0.0.1', port },
        { passIntervalMs: 100, onCheck: () => checkedAtMs.push(clock.nowMs()) },
      )
      .then(() => (done = true));
    await clock.advanceUntil(() => done, 10_000, 50);
    // Gaps of clock time (the checks' own loopback I/O lets the stepped clock move a little too).
    const gaps = checkedAtMs.slice(1).map((atMs, index) => atMs - checkedAtMs[index]);
    expect(gaps).toHaveLength(3);
    expect(gaps[0]).toBeGreaterThanOrEqual(1_000);
    for (const gap of gaps.slice(1)) {
      expect(gap).toBeGreaterThanOrEqual(100);
      expect(gap).toBeLessThan(1_000);
    }
  });

  it('times out with the last failure when K passes in a row never happen', async () => {
    answers = [
      200, 503, 200, 503, 200, 503, 200, 503, 200, 503, 200, 503, 200, 503, 200, 503, 200, 503,
    ];
    answers = [...answers, ...answers, ...answers];
    const pending = readiness({ passesToAdmit: 2, readinessTimeoutMs: 400 }).waitUntilReady({
      host: '127.0.0.1',
      port,
    });
    await expect(pending).rejects.toBeInstanceOf(ReadinessTimeoutError);
    await expect(pending).rejects.toThrow(
      /no 2 passing health checks in a row on 127\.0\.0\.1:\d+\/healthz within 400 ms .*last: HTTP (503|200)/,
    );
  });
});
