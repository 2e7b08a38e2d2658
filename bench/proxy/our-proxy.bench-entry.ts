/**
 * Our data path for the benchmark: the production ProxyServer with every hygiene step, behind a
 * one-backend TrafficDirector (the control plane's counting/scaling is not what is measured).
 * Bundled by run-proxy-bench.mjs with esbuild. argv: listenHost listenPort backendHost backendPort;
 * OSA_BENCH_PROXY_SETTINGS: optional JSON of ProxyConfig fields (tuning studies; `workers` > 1
 * forks this same bundle as the proxy workers, which ask this process for every admission).
 */
import 'reflect-metadata';
import cluster from 'node:cluster';
import { Logger } from '@nestjs/common';
import { ProxyServer } from '../../apps/controller/src/proxy/proxy-server';
import type { Backend, TrafficDirector } from '../../apps/controller/src/proxy/traffic-director';
import { runProxyWorker } from '../../apps/controller/src/proxy/workers/proxy-worker';
import { proxyConfigFrom } from '../../apps/controller/test-support/proxy-config';

Logger.overrideLogger(['error', 'warn']);
if (cluster.isWorker) runProxyWorker();
else startBenchProxy();

function startBenchProxy(): void {
  const [listenHost, listenPort, backendHost, backendPort] = process.argv.slice(2);
  const backend: Backend = { id: 'bench', host: backendHost, port: Number(backendPort) };
  const director: TrafficDirector = {
    admit: () => ({ kind: 'forward', backend }),
    alternative: () => undefined,
    settle: () => undefined,
  };
  const tuning = JSON.parse(process.env.OSA_BENCH_PROXY_SETTINGS ?? '{}') as Record<
    string,
    unknown
  >;
  const server = new ProxyServer(
    proxyConfigFrom({ listenHost, listenPort: Number(listenPort), pathMappings: [], ...tuning }),
    director,
    __filename, // the workers run this bundle too (cluster.isWorker above)
  );
  server.start().then(
    () => console.log(`ours listening on ${listenHost}:${listenPort}`),
    (error: Error) => {
      console.error(error.message);
      process.exit(1);
    },
  );
  process.on('SIGTERM', () => void server.shutdown().then(() => process.exit(0)));
}
