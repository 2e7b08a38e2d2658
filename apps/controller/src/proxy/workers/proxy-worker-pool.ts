import cluster from 'node:cluster';
import type { Worker } from 'node:cluster';
import type { AddressInfo } from 'node:net';
import { Logger } from '@nestjs/common';
import type { ProxyConfig } from '../../config/proxy.config';
import type { ProxyExchangeEvent } from '../exchange';
import type { TrafficDirector } from '../traffic-director';
import { WorkerAdmissions } from './worker-admissions';
import { isProtocolMessage, WORKER_CONFIG_ENV } from './worker-protocol';
import type {
  ControllerMessage,
  DecisionMessage,
  WorkerBatchItem,
  WorkerMessage,
} from './worker-protocol';

/** A worker must be listening this long after its fork, or the start fails. */
const WORKER_START_TIMEOUT_MS = 20_000;
/** Restart delay after a crash, doubled per crash in a row (a worker that crashes at once). */
const RESTART_DELAY_MS = [100, 200, 400, 800, 1_600, 3_200, 5_000];
/** A worker that ran this long before it died was not crash-looping: delays start over. */
const STABLE_AFTER_MS = 10_000;
/** Past the proxy's own shutdown deadline, a worker that has not exited is killed. */
const EXIT_GRACE_MS = 5_000;

interface RunningWorker {
  readonly worker: Worker;
  readonly admissions: WorkerAdmissions;
  /** Decisions for this worker not sent yet (one batch per event-loop turn). */
  outbox: DecisionMessage[];
  readonly startedAtMs: number;
  inFlight: number;
  listening: boolean;
}

export interface ProxyWorkerPoolSettings {
  readonly config: ProxyConfig;
  readonly director: TrafficDirector;
  /** The compiled worker entry (proxy-worker.main.js, or a bundle that runs it in a worker). */
  readonly workerScript: string;
  /** Re-emits the workers' exchange events from the controller's ProxyServer. */
  readonly emitExchange: (event: ProxyExchangeEvent) => void;
}

/**
 * `proxy.workers` > 1: the controller process forks that many proxy workers (node:cluster, so
 * they share one listening socket; connections are handed out round-robin) and stays the
 * control plane: it answers their admissions through the one TrafficDirector (WorkerAdmissions),
 * sums their in-flight counts, re-emits their exchange events, restarts a worker that dies
 * (settling what it held), and on shutdown tells them to drain and waits for them.
 */
export class ProxyWorkerPool {
  private readonly logger = new Logger('ProxyWorkers');
  private readonly running = new Map<number, RunningWorker>();
  private boundAddress: AddressInfo | undefined;
  private started = false;
  private stopping = false;
  private crashesInARow = 0;
  /** The port every worker asks the cluster for (see listenPortForNextWorker). */
  private sharedListenPort: number;

  constructor(private readonly settings: ProxyWorkerPoolSettings) {
    this.sharedListenPort = settings.config.listenPort;
  }

  /** Client requests in flight over all workers (as last reported by each). */
  get inFlight(): number {
    let sum = 0;
    for (const running of this.running.values()) sum += running.inFlight;
    return sum;
  }

  /** Backends handed out and not yet settled, over all workers. */
  get leases(): number {
    let sum = 0;
    for (const running of this.running.values()) sum += running.admissions.leaseCount;
    return sum;
  }

  /** Process ids of the running workers. */
  get pids(): number[] {
    return [...this.running.values()].map((running) => running.worker.process.pid ?? 0);
  }

  address(): AddressInfo | undefined {
    return this.boundAddress;
  }

  /** Fork every worker and resolve once all of them listen (the first bound address is shared). */
  async start(): Promise<AddressInfo> {
    cluster.setupPrimary({ exec: this.settings.workerScript, args: [], silent: false });
    const count = this.settings.config.workers;
    // The first worker binds (port 0 becomes a real port); the others join its socket.
    this.boundAddress = await this.fork();
    await Promise.all(Array.from({ length: count - 1 }, () => this.fork()));
    this.started = true;
    return this.boundAddress;
  }

  /** Tell every worker to drain (each applies `shutdownDeadlineMs`) and wait for them to exit. */
  async shutdown(): Promise<void> {
    this.stopping = true;
    const exits = [...this.running.values()].map(
      ({ worker }) =>
        new Promise<void>((resolve) => {
          if (worker.isDead()) return resolve();
          worker.once('exit', () => resolve());
          this.sendTo(worker, { t: 'shutdown' });
          setTimeout(() => {
            if (!worker.isDead()) worker.process.kill('SIGKILL');
          }, this.settings.config.shutdownDeadlineMs + EXIT_GRACE_MS).unref();
        }),
    );
    await Promise.all(exits);
  }

  private fork(): Promise<AddressInfo> {
    const { config } = this.settings;
    const workerConfig: ProxyConfig = {
      ...config,
      listenPort: this.listenPortForNextWorker(),
      workers: 1,
      // The limit is the proxy's, not each worker's.
      maxInFlight: Math.max(1, Math.ceil(config.maxInFlight / config.workers)),
    };
    const worker = cluster.fork({ [WORKER_CONFIG_ENV]: JSON.stringify(workerConfig) });
    const admissions = new WorkerAdmissions(this.settings.director, (message) =>
      this.queueDecision(running, message),
    );
    const running: RunningWorker = {
      worker,
      admissions,
      outbox: [],
      startedAtMs: Date.now(),
      inFlight: 0,
      listening: false,
    };
    this.running.set(worker.id, running);
    return new Promise<AddressInfo>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new Error(
            `proxy worker ${worker.id} did not listen within ${WORKER_START_TIMEOUT_MS} ms`,
          ),
        );
        worker.process.kill('SIGKILL');
      }, WORKER_START_TIMEOUT_MS);
      worker.on('message', (message: unknown) => {
        if (!isProtocolMessage(message)) return;
        const workerMessage = message as WorkerMessage;
        if (workerMessage.t === 'listening') {
          clearTimeout(timer);
          running.listening = true;
          resolve({
            address: workerMessage.address,
            family: workerMessage.family,
            port: workerMessage.port,
          });
        } else if (workerMessage.t === 'failed') {
          clearTimeout(timer);
          reject(new Error(workerMessage.message));
        } else {
          for (const item of workerMessage.items) this.onItem(running, item);
          // The decisions taken now go back in one message.
          this.flushDecisions(running);
        }
      });
      worker.on('error', (error) =>
        this.logger.warn(`proxy worker ${worker.id}: ${error.message}`),
      );
      worker.once('exit', (code, signal) => {
        clearTimeout(timer);
        this.onExit(running, code, signal);
        reject(
          new Error(
            `proxy worker ${worker.id} exited before listening (code ${code}, signal ${signal})`,
          ),
        );
      });
    });
  }

  /**
   * The cluster shares a listening socket between workers that ask for the same address and
   * port, as written (port 0 included: the socket bound for the first worker's `0` is reused).
   * When no worker holds it any more (all died), the next one binds the port they had, and the
   * workers after it ask for that port too.
   */
  private listenPortForNextWorker(): number {
    if (this.boundAddress !== undefined && this.running.size === 0)
      this.sharedListenPort = this.boundAddress.port;
    return this.sharedListenPort;
  }

  private onItem(running: RunningWorker, message: WorkerBatchItem): void {
    switch (message.t) {
      case 'admit':
        running.admissions.admit(message);
        return;
      case 'withdraw':
        running.admissions.withdraw(message.id);
        return;
      case 'settle':
        running.admissions.settle(message.lease, message.outcome, message.durationMs);
        return;
      case 'report':
        running.inFlight = message.inFlight;
        for (const event of message.events) this.settings.emitExchange(event);
        return;
    }
  }

  private onExit(running: RunningWorker, code: number | null, signal: string | null): void {
    this.running.delete(running.worker.id);
    running.admissions.workerGone();
    // A worker that fails during the start fails the start; after it, every exit is restarted.
    if (this.stopping || !this.started) return;
    if (Date.now() - running.startedAtMs >= STABLE_AFTER_MS) this.crashesInARow = 0;
    const delayMs = RESTART_DELAY_MS[Math.min(this.crashesInARow, RESTART_DELAY_MS.length - 1)];
    this.crashesInARow++;
    this.logger.warn(
      `proxy worker ${running.worker.id} (pid ${running.worker.process.pid}) exited ` +
        `(code ${code}, signal ${signal}); restarting it in ${delayMs} ms`,
    );
    setTimeout(() => {
      if (this.stopping) return;
      this.fork().then(
        (address) =>
          this.logger.log(
            `proxy worker restarted, listening on ${address.address}:${address.port}`,
          ),
        (error: Error) => this.logger.error(`proxy worker restart failed: ${error.message}`),
      );
    }, delayMs).unref();
  }

  /** A decision taken later (a queue that let the request through) goes out on the next turn. */
  private queueDecision(running: RunningWorker, message: DecisionMessage): void {
    running.outbox.push(message);
    if (running.outbox.length === 1) setImmediate(() => this.flushDecisions(running));
  }

  private flushDecisions(running: RunningWorker): void {
    if (running.outbox.length === 0) return;
    this.sendTo(running.worker, { t: 'batch', items: running.outbox });
    running.outbox = [];
  }

  private sendTo(worker: Worker, message: ControllerMessage): void {
    if (!worker.isConnected()) return;
    // A worker that just died cannot take the message; its exit handler settles what it held.
    worker.send(message, undefined, () => undefined);
  }
}
