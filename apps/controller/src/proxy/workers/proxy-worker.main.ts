import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ProxyConfig } from '../../config/proxy.config';
import type { ProxyExchangeEvent } from '../exchange';
import { ProxyServer } from '../proxy-server';
import { RemoteTrafficDirector } from './remote-traffic-director';
import { isProtocolMessage, WORKER_CONFIG_ENV } from './worker-protocol';
import type { ControllerMessage, WorkerMessage } from './worker-protocol';

/** The in-flight count also goes out on this interval when no exchange event carried it. */
const IN_FLIGHT_REPORT_INTERVAL_MS = 250;

/**
 * One proxy worker (`proxy.workers` > 1), forked by the controller's ProxyWorkerPool: the same
 * ProxyServer as the single-process data path, on the shared port, with a RemoteTrafficDirector
 * that asks the controller for every admission. Exchange events and the in-flight count are sent
 * back in batches (one IPC message per event-loop turn, not per request). Signals are the
 * controller's business (a group Ctrl-C reaches us too): the worker drains when the controller
 * says `shutdown`, or when the controller is gone (IPC closed).
 */
export function runProxyWorker(): void {
  const logger = new Logger('ProxyWorker');
  const send = (message: WorkerMessage): void => {
    if (process.connected) process.send?.(message, undefined, undefined, () => undefined);
  };
  const config = Object.assign(
    new ProxyConfig(),
    JSON.parse(process.env[WORKER_CONFIG_ENV] ?? '{}') as Partial<ProxyConfig>,
  );
  const director = new RemoteTrafficDirector(send);
  const server = new ProxyServer(config, director);

  let events: ProxyExchangeEvent[] = [];
  let reportScheduled = false;
  let reportedInFlight = 0;
  const report = (): void => {
    reportScheduled = false;
    reportedInFlight = server.inFlight;
    send({ t: 'report', inFlight: reportedInFlight, events });
    events = [];
  };
  server.on('exchange', (event: ProxyExchangeEvent) => {
    events.push(event);
    if (!reportScheduled) {
      reportScheduled = true;
      setImmediate(report);
    }
  });
  setInterval(() => {
    if (!reportScheduled && server.inFlight !== reportedInFlight) report();
  }, IN_FLIGHT_REPORT_INTERVAL_MS).unref();

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void server.shutdown().finally(() => process.exit());
  };
  process.on('message', (message: unknown) => {
    if (!isProtocolMessage(message)) return;
    const controllerMessage = message as ControllerMessage;
    if (controllerMessage.t === 'decision') director.onDecision(controllerMessage);
    else if (controllerMessage.t === 'shutdown') stop();
  });
  process.on('disconnect', () => {
    director.disconnected();
    logger.warn('the controller is gone: draining and exiting');
    stop();
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => undefined);

  server.start().then(
    (address) =>
      send({ t: 'listening', address: address.address, family: address.family, port: address.port }),
    (error: Error) => {
      send({ t: 'failed', message: error.message });
      process.exitCode = 1;
      process.disconnect?.();
    },
  );
}

if (require.main === module) runProxyWorker();
