import { Logger } from '@nestjs/common';
import { proxyConfigFrom } from '../proxy-config';
import type { ProxyExchangeEvent } from '../../src/proxy/proxy-server';
import { ProxyServer } from '../../src/proxy/proxy-server';
import type { Backend } from '../../src/proxy/traffic-director';
import { nextLoopbackAddress } from './loopback';
import { StaticTrafficDirector } from './static-traffic-director';

export interface RunningProxy {
  readonly server: ProxyServer;
  readonly director: StaticTrafficDirector;
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly events: ProxyExchangeEvent[];
  stop(): Promise<void>;
}

// Lifecycle lines (listening/draining) would drown the test output; warnings and errors stay.
Logger.overrideLogger(['error', 'warn']);

/** Our ProxyServer in this process, on its own loopback address and an ephemeral port. */
export async function startOurProxy(
  backends: Backend[],
  settings: Record<string, unknown> = {},
): Promise<RunningProxy> {
  const config = proxyConfigFrom({
    listenHost: nextLoopbackAddress(),
    listenPort: 0,
    shutdownDeadlineMs: 2_000,
    ...settings,
  });
  const director = new StaticTrafficDirector(backends);
  const server = new ProxyServer(config, director);
  const events: ProxyExchangeEvent[] = [];
  server.on('exchange', (event: ProxyExchangeEvent) => events.push(event));
  const address = await server.start();
  return {
    server,
    director,
    events,
    host: address.address,
    port: address.port,
    url: `http://${address.address}:${address.port}`,
    stop: () => server.shutdown(),
  };
}
