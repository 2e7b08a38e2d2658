import { EventEmitter } from 'node:events';
import { createServer } from 'node:http';
import { join } from 'node:path';
import type { Agent, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  Optional,
} from '@nestjs/common';
import { PROXY_CONFIG, ProxyConfig } from '../config/proxy.config';
import { AttemptEngine } from './attempt-engine';
import { newExchange } from './exchange';
import type { ProxyExchangeEvent } from './exchange';
import { writeLocalAnswerToSocket } from './local-answer';
import { PathMapper } from './path-mapper';
import { runRequestSteps, resumeRequestSteps } from './request-steps';
import type { StepEnvironment } from './request-steps';
import { TRAFFIC_DIRECTOR } from './traffic-director';
import type { TrafficDirector } from './traffic-director';
import { createUpstreamAgent } from './upstream-agent';
import { UpstreamCall } from './upstream-call';
import type { UpstreamCallSettings } from './upstream-call';
import { normalizePeerAddress, TrustedProxies } from './trusted-proxies';
import { WebSocketTunnel } from './websocket-tunnel';
import type { WebSocketTunnelSettings } from './websocket-tunnel';
import { ProxyWorkerPool } from './workers/proxy-worker-pool';

/**
 * Injection token: the script `proxy.workers` > 1 forks (default: the compiled
 * workers/proxy-worker.main.js beside this file; a bundle that embeds the proxy passes its own).
 */
export const PROXY_WORKER_SCRIPT = Symbol('PROXY_WORKER_SCRIPT');

/**
 * Optional `boolean` provider: false means the proxy is built but never binds its port (an
 * external data plane carries the traffic). Absent: it listens.
 */
export const PROXY_LISTENS = Symbol('PROXY_LISTENS');

export type { ProxyExchangeEvent } from './exchange';

/**
 * The data path: a raw `http.createServer` on the proxy port (never Nest's request pipeline,
 * which costs 3-4x the CPU per request). Each request, plain or a WebSocket upgrade, runs the
 * ordered steps of request-steps.ts (hygiene, body, admission, upstream attempt). Listens on
 * application bootstrap (or `start()`), and on shutdown stops accepting, closes idle
 * connections, lets in-flight requests finish within `shutdownDeadlineMs`, then cuts what is
 * left.
 *
 * Events: `exchange` (ProxyExchangeEvent), `listening` (AddressInfo).
 */
@Injectable()
export class ProxyServer
  extends EventEmitter
  implements OnApplicationBootstrap, BeforeApplicationShutdown
{
  private readonly logger = new Logger('ProxyServer');
  private readonly server: Server;
  private readonly agent: Agent;
  private readonly env: StepEnvironment;
  private readonly callSettings: UpstreamCallSettings;
  private readonly tunnelSettings: WebSocketTunnelSettings;
  private readonly openTunnels = new Set<Socket>();
  private inFlightCount = 0;
  private draining = false;
  private shutdownPromise: Promise<void> | undefined;
  /** `proxy.workers` > 1: the workers serve the port; this process stays the control plane. */
  private readonly workerPool: ProxyWorkerPool | undefined;
  private workersStarted: Promise<AddressInfo> | undefined;
  /** Emits the `exchange` event; the engine is handed it only while someone listens. */
  private readonly emitExchange = (event: ProxyExchangeEvent): void => {
    this.emit('exchange', event);
  };

  constructor(
    @Inject(PROXY_CONFIG) private readonly config: ProxyConfig,
    @Inject(TRAFFIC_DIRECTOR) director: TrafficDirector,
    @Optional() @Inject(PROXY_WORKER_SCRIPT) workerScript?: string,
    @Optional() @Inject(PROXY_LISTENS) private readonly listens: boolean = true,
  ) {
    super();
    if (config.workers > 1) {
      this.workerPool = new ProxyWorkerPool({
        config,
        director,
        workerScript: workerScript ?? join(__dirname, 'workers', 'proxy-worker.main.js'),
        emitExchange: this.emitExchange,
      });
    }
    this.agent = createUpstreamAgent(config);
    const engine = new AttemptEngine({
      director,
      resume: (exchange, answer, error) => resumeRequestSteps(exchange, this.env, answer, error),
      reporter: () => (this.listenerCount('exchange') === 0 ? undefined : this.emitExchange),
      logInternalError: (fields) => this.logger.error(fields),
      logUpstreamFailure: (fields) => this.logger.warn(fields),
    });
    this.env = {
      config,
      trustedProxies: new TrustedProxies(config.trustedProxies),
      pathMapper: new PathMapper(config.pathMappings),
      engine,
      inFlight: () => this.inFlightCount,
      addInFlight: () => {
        this.inFlightCount++;
      },
      releaseInFlight: () => {
        this.inFlightCount--;
      },
      draining: () => this.draining,
    };
    this.callSettings = {
      agent: this.agent,
      engine,
      upstreamTimeoutMs: config.upstreamTimeoutMs,
      upstreamConnectTimeoutMs: config.upstreamConnectTimeoutMs,
      draining: this.env.draining,
    };
    this.tunnelSettings = {
      engine,
      upstreamTimeoutMs: config.upstreamTimeoutMs,
      upstreamConnectTimeoutMs: config.upstreamConnectTimeoutMs,
      openTunnels: this.openTunnels,
    };
    this.server = createServer(
      {
        insecureHTTPParser: false, // never: it is what lets smuggled framing through
        requireHostHeader: true,
        headersTimeout: config.headersTimeoutMs,
        requestTimeout: config.requestTimeoutMs,
        // Node checks the two timeouts above on this interval (default 30 s, far too coarse).
        connectionsCheckingInterval: Math.min(1_000, Math.floor(config.headersTimeoutMs / 2)),
      },
      (req, res) => this.onRequest(req, res),
    );
    this.server.keepAliveTimeout = config.keepAliveTimeoutMs;
    this.server.maxHeadersCount = config.maxHeadersCount;
    this.server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) =>
      this.onUpgrade(req, socket, head),
    );
    // CONNECT would turn us into an open forward proxy.
    this.server.on('connect', (_req: IncomingMessage, socket: Socket) => {
      socket.on('error', () => socket.destroy());
      writeLocalAnswerToSocket(socket, { status: 405, text: 'CONNECT is not supported' });
    });
    this.server.on('error', (error) => this.logger.error(`proxy server error: ${error.message}`));
  }

  /** Requests currently being served (queued, forwarded or tunnelled). */
  get inFlight(): number {
    return this.workerPool?.inFlight ?? this.inFlightCount;
  }

  /** The worker processes serving the port (empty with `proxy.workers` 1). */
  get workerPids(): number[] {
    return this.workerPool?.pids ?? [];
  }

  /** Where the proxy listens (after `start()`). */
  address(): AddressInfo | undefined {
    if (this.workerPool !== undefined) return this.workerPool.address();
    const address = this.server.address();
    return address !== null && typeof address === 'object' ? address : undefined;
  }

  async onApplicationBootstrap(): Promise<void> {
    // With an external data plane (dataPlane.kind haproxy|octavia) the port belongs to it: this
    // object still exists for the modules that read its exchange feed, which then stays silent.
    if (this.listens === false) return;
    await this.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.shutdown();
  }

  /** Bind the proxy port. Fails (EADDRINUSE, EACCES) with the address in the message. */
  start(): Promise<AddressInfo> {
    if (this.workerPool !== undefined) return this.startWorkers(this.workerPool);
    if (this.server.listening) return Promise.resolve(this.address() as AddressInfo);
    const { listenHost, listenPort } = this.config;
    return new Promise<AddressInfo>((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException): void => {
        reject(
          new Error(
            `proxy cannot listen on ${listenHost}:${listenPort}: ${error.code ?? error.message}`,
          ),
        );
      };
      this.server.once('error', onError);
      this.server.listen(listenPort, listenHost, () => {
        this.server.off('error', onError);
        const address = this.address() as AddressInfo;
        this.logger.log(`proxy listening on ${address.address}:${address.port}`);
        this.emit('listening', address);
        resolve(address);
      });
    });
  }

  private startWorkers(pool: ProxyWorkerPool): Promise<AddressInfo> {
    this.workersStarted ??= pool.start().then(
      (address) => {
        this.logger.log(
          `proxy listening on ${address.address}:${address.port} (${this.config.workers} workers)`,
        );
        this.emit('listening', address);
        return address;
      },
      (error: Error) => {
        const { listenHost, listenPort } = this.config;
        throw new Error(`proxy cannot listen on ${listenHost}:${listenPort}: ${error.message}`);
      },
    );
    return this.workersStarted;
  }

  /**
   * Graceful stop: refuse new connections, close idle keep-alive ones, let in-flight requests
   * finish (their answers carry `Connection: close`) until `shutdownDeadlineMs`, then cut the
   * rest. Idempotent.
   */
  shutdown(): Promise<void> {
    this.shutdownPromise ??= this.drainAndClose();
    return this.shutdownPromise;
  }

  private async drainAndClose(): Promise<void> {
    this.draining = true;
    if (this.workerPool !== undefined) {
      this.logger.log(`proxy draining: ${this.workerPool.inFlight} in flight in the workers`);
      await this.workerPool.shutdown();
      this.agent.destroy();
      this.logger.log('proxy workers stopped');
      return;
    }
    if (!this.server.listening) {
      this.agent.destroy();
      return;
    }
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    const deadlineMs = this.config.shutdownDeadlineMs;
    const startedAt = Date.now();
    this.logger.log(`proxy draining: ${this.inFlightCount} in flight, deadline ${deadlineMs} ms`);
    let lastProgressAt = startedAt;
    while (this.inFlightCount > 0 && Date.now() - startedAt < deadlineMs) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      this.server.closeIdleConnections();
      if (Date.now() - lastProgressAt >= 1_000) {
        lastProgressAt = Date.now();
        this.logger.log(`proxy draining: ${this.inFlightCount} still in flight`);
      }
    }
    if (this.inFlightCount > 0) {
      this.logger.warn(
        `proxy shutdown deadline reached: cutting ${this.inFlightCount} in-flight request(s)`,
      );
    }
    for (const socket of this.openTunnels) socket.destroy();
    this.openTunnels.clear();
    this.server.closeAllConnections();
    this.agent.destroy();
    await closed;
    this.logger.log(`proxy stopped after ${Date.now() - startedAt} ms`);
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const peer = normalizePeerAddress(req.socket.remoteAddress);
    runRequestSteps(
      newExchange(req, peer, false, new UpstreamCall(req, res, this.callSettings)),
      this.env,
    );
  }

  private onUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const startedAtMs = performance.now();
    socket.on('error', () => socket.destroy());
    const peer = normalizePeerAddress(socket.remoteAddress);
    const tunnel = new WebSocketTunnel(socket, head, this.tunnelSettings);
    runRequestSteps(newExchange(req, peer, true, tunnel, startedAtMs), this.env);
  }
}
