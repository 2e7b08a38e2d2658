/**
 * Child-process entry for our proxy under test (bundled by esbuild in proxy-under-test.ts).
 * Runs exactly what production runs (ProxyServer + a TrafficDirector), in its own process, so
 * a test can assert that nothing ever reaches 'uncaughtException' and that the process survives.
 *
 * argv[2]: JSON { backends: Backend[], settings: Partial<ProxyConfig> }
 * IPC out: { type: 'listening', host, port } | { type: 'settle', ... } | { type: 'uncaught', message }
 * IPC in:  'stop' -> graceful shutdown, then exit 0; 'gc' -> full GC, answers { type: 'gc-done' }.
 * With `settings.workers` > 1 this bundle is also the proxy workers' script (cluster.isWorker);
 * a worker that dies is reported as 'uncaught' (the controller side restarts it, but a test must
 * see that something crashed).
 */
import 'reflect-metadata';
import cluster from 'node:cluster';
import { Logger } from '@nestjs/common';
import { proxyConfigFrom } from '../proxy-config';
import { ProxyServer } from '../../src/proxy/proxy-server';
import { runProxyWorker } from '../../src/proxy/workers/proxy-worker';
import { StaticTrafficDirector } from './static-traffic-director';

Logger.overrideLogger(['error', 'warn']);

const send = (message: unknown): void => {
  if (process.connected) process.send?.(message);
};

process.on('uncaughtException', (error: Error) => {
  send({ type: 'uncaught', message: String(error?.stack ?? error) });
  process.exitCode = 70;
  setTimeout(() => process.exit(70), 50);
});

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '{}') as {
    backends: never[];
    settings: Record<string, unknown>;
  };
  const director = new StaticTrafficDirector(spec.backends);
  director.onSettle = (record) => send({ type: 'settle', ...record });
  const server = new ProxyServer(proxyConfigFrom(spec.settings), director, __filename);
  let stopping = false;
  cluster.on('exit', (worker, code, signal) => {
    if (!stopping)
      send({
        type: 'uncaught',
        message: `proxy worker ${worker.id} died (code ${code}, signal ${signal})`,
      });
  });
  process.on('message', (message) => {
    if (message === 'stop') {
      stopping = true;
      void server.shutdown().then(() => process.exit(0));
    }
    // Leak tests compare memory after a full collection (the child runs with --expose-gc).
    if (message === 'gc') {
      (globalThis as { gc?: () => void }).gc?.();
      send({ type: 'gc-done', inFlight: server.inFlight });
    }
  });
  const address = await server.start();
  send({ type: 'listening', host: address.address, port: address.port });
}

if (cluster.isWorker) {
  runProxyWorker();
} else {
  process.on('disconnect', () => process.exit(0));
  main().catch((error: Error) => {
    send({ type: 'start-failed', message: error.message });
    process.exit(2);
  });
}
