import { Agent as HttpAgent } from 'node:http';
import { proxyConfigFrom } from '../../test-support/proxy-config';
import { httpCall } from '../../test-support/proxy/http-client';
import { startOurProxy } from '../../test-support/proxy/our-proxy';
import type { RunningProxy } from '../../test-support/proxy/our-proxy';
import { RecordingBackend } from '../../test-support/proxy/recording-backend';

describe('upstream keep-alive agent', () => {
  let backend: RecordingBackend;
  let proxy: RunningProxy;
  let clientAgent: HttpAgent;

  beforeEach(async () => {
    // A backend that takes 200 ms per answer, so every request of a warm wave is in flight at once.
    backend = await RecordingBackend.start((_req, res) => {
      setTimeout(() => res.end('ok\n'), 200);
    });
    proxy = await startOurProxy([backend.asBackend()]);
    clientAgent = new HttpAgent({ keepAlive: true, maxSockets: 200 });
  });

  afterEach(async () => {
    clientAgent.destroy();
    await proxy.stop();
    await backend.stop();
  });

  it('keeps every connection of a busy backend for reuse (maxFreeSockets = maxSockets)', () => {
    const config = proxyConfigFrom({});
    expect(config.agentMaxFreeSockets).toBe(config.agentMaxSockets);
  });

  it('reuses the upstream connections of a wave of 150 concurrent requests for the next', async () => {
    const wave = (): Promise<number[]> =>
      Promise.all(
        Array.from({ length: 150 }, () =>
          httpCall(`${proxy.url}/wave`, { agent: clientAgent }).then((r) => r.status),
        ),
      );
    // Two waves: the first also opens the client's own connections, so fewer requests overlap.
    expect(new Set(await wave())).toEqual(new Set([200]));
    expect(new Set(await wave())).toEqual(new Set([200]));
    const afterWarmWave = backend.connectionsAccepted;
    expect(new Set(await wave())).toEqual(new Set([200]));
    // With only 64 idle sockets kept, the others would be closed after each wave and reopened
    // for the next (connection churn: a TCP handshake and a TIME_WAIT per request).
    expect(afterWarmWave).toBeGreaterThan(64);
    expect(backend.connectionsAccepted).toBe(afterWarmWave);
  });
});
