import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { LogConfig } from '../../config/log.config';
import { ProxyConfig } from '../../config/proxy.config';
import { createControllerLogger, nestLoggerOn } from '../../logging/controller-logger';
import type { ProxyExchangeEvent } from '../exchange';
import { ProxyServer } from '../proxy-server';
import { RemoteTrafficDirector } from './remote-traffic-director';
import { isProtocolMessage, WORKER_CONFIG_ENV } from './worker-protocol';
import type { ControllerMessage, WorkerBatchItem, WorkerMessage } from './worker-protocol';

/** The in-flight count also goes out on this interval when no exchange event carried it. */
const IN_FLIGHT_REPORT_INTERVAL_MS = 250;

/**
 * One proxy worker (`proxy.workers` > 1), forked by the controller's ProxyWorkerPool: the same
 * ProxyServer as the single-process data path, on the shared port, with a RemoteTrafficDirector
 * that asks the controller for every admission. What it tells the controller (admits, settles,
 * exchange events, its in-flight count) goes out as one batch per event-loop turn. Signals are
 * the controller's business (a group Ctrl-C reaches us too): the worker drains when the
 * controller says `shutdown`, or when the controller is gone (IPC closed).
 */
export function runProxyWorker(): void {
  // The controller logs the proxy's lifecycle once for all workers; a worker says only what
  // went wrong in it, on the controller's stdout as the same pino records (format by TTY).
  Logger.overrideLogger(
    nestLoggerOn(createControllerLogger(Object.assign(new LogConfig(), { level: 'warn' }))),
  );
  const logger = new Logger('ProxyWorker');
  const config = Object.assign(
    new ProxyConfig(),
    JSON.parse(process.env[WORKER_CONFIG_ENV] ?? '{}') as Partial<ProxyConfig>,
  );
  const sendNow = (message: WorkerMessage): void => {
    if (process.connected) process.send?.(message, undefined, undefined, () => undefined);
  };

  let items: WorkerBatchItem[] = [];
  let events: ProxyExchangeEvent[] = [];
  let flushScheduled = false;
  let reportedInFlight = 0;
  const flush = (): void => {
    flushScheduled = false;
    const inFlight = server.inFlight;
    if (events.length > 0 || inFlight !== reportedInFlight) {
      items.push({ t: 'report', inFlight, events });
      reportedInFlight = inFlight;
      events = [];
    }
    if (items.length === 0) return;
    sendNow({ t: 'batch', items });
    items = [];
  };
  const scheduleFlush = (): void => {
    if (flushScheduled) return;
    flushScheduled = true;
    setImmediate(flush);
  };
  const director = new RemoteTrafficDirector((item) => {
    items.push(item);
    scheduleFlush();
  });
  const server = new ProxyServer(config, director);
  server.on('exchange', (event: ProxyExchangeEvent) => {
    events.push(event);
    scheduleFlush();
  });
  // An in-flight change without an exchange event (a request that is still running) shows too.
  setInterval(scheduleFlush, IN_FLIGHT_REPORT_INTERVAL_MS).unref();

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void server.shutdown().finally(() => {
      flush();
      process.exit();
    });
  };
  process.on('message', (message: unknown) => {
    if (!isProtocolMessage(message)) return;
    const controllerMessage = message as ControllerMessage;
    if (controllerMessage.t === 'batch') {
      for (const decision of controllerMessage.items) director.onDecision(decision);
    } else if (controllerMessage.t === 'shutdown') stop();
  });
  process.on('disconnect', () => {
    director.disconnected();
    logger.warn('the controller is gone: draining and exiting');
    stop();
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => undefined);

  server.start().then(
    (address) =>
      sendNow({
        t: 'listening',
        address: address.address,
        family: address.family,
        port: address.port,
      }),
    (error: Error) => {
      sendNow({ t: 'failed', message: error.message });
      process.exitCode = 1;
      process.disconnect?.();
    },
  );
}
