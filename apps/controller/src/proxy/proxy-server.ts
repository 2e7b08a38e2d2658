import { EventEmitter } from 'node:events';
import { createServer } from 'node:http';
import type { Agent, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { PROXY_CONFIG, ProxyConfig } from '../config/proxy.config';
import { newExchange } from './exchange';
import type { Exchange, LocalAnswer, StepEnvironment } from './exchange';
import { writeLocalAnswer, writeLocalAnswerToSocket } from './local-answer';
import { PathMapper } from './path-mapper';
import { bufferRequestBody } from './request-body';
import { runRequestSteps } from './request-steps';
import { TRAFFIC_DIRECTOR } from './traffic-director';
import type { TrafficDecision, TrafficDirector } from './traffic-director';
import { createUpstreamAgent } from './upstream-agent';
import { UpstreamCall } from './upstream-call';
import type { UpstreamCallSettings, UpstreamCallSummary } from './upstream-call';
import { normalizePeerAddress, TrustedProxies } from './trusted-proxies';
import { WebSocketTunnels } from './websocket-tunnel';

/** Emitted once per client request when it is over (hang metrics and logs on it). */
export interface ProxyExchangeEvent {
  readonly method: string;
  /** Status sent to the client; 0 when the connection was cut instead. */
  readonly status: number;
  /** `local` when the proxy answered by itself (hygiene, overload, 503 gate). */
  readonly outcome: UpstreamCallSummary['outcome'] | 'local';
  readonly backendId?: string;
  readonly retried: boolean;
  readonly durationMs: number;
  readonly error?: string;
}

/** Nested `queue` decisions deeper than this are a director bug, not a reason to loop. */
const MAX_QUEUE_HOPS = 4;

/**
 * The data path: a raw `http.createServer` on the proxy port (never Nest's request pipeline,
 * which costs 3-4x the CPU per request). For each request: hygiene steps -> traffic director ->
 * upstream call -> response. Listens on application bootstrap (or `start()`), and on shutdown
 * stops accepting, closes idle connections, lets in-flight requests finish within
 * `shutdownDeadlineMs`, then cuts what is left.
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
  private readonly tunnels: WebSocketTunnels;
  private readonly upstreamCallSettings: UpstreamCallSettings;
  private inFlightCount = 0;
  private draining = false;
  private shutdownPromise: Promise<void> | undefined;
  /** One function for every response's `close` (no closure per request). */
  private readonly releaseInFlight = (): void => {
    this.inFlightCount--;
  };

  constructor(
    @Inject(PROXY_CONFIG) private readonly config: ProxyConfig,
    @Inject(TRAFFIC_DIRECTOR) private readonly director: TrafficDirector,
  ) {
    super();
    this.agent = createUpstreamAgent(config);
    this.upstreamCallSettings = {
      agent: this.agent,
      director,
      upstreamTimeoutMs: config.upstreamTimeoutMs,
      upstreamConnectTimeoutMs: config.upstreamConnectTimeoutMs,
      draining: () => this.draining,
      onFinished: (exchange, summary) =>
        this.report(
          exchange,
          summary.status,
          summary.outcome,
          summary.backendId,
          summary.retried,
          summary.error,
        ),
    };
    this.env = {
      config,
      trustedProxies: new TrustedProxies(config.trustedProxies),
      pathMapper: new PathMapper(config.pathMappings),
      inFlight: () => this.inFlightCount,
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
    this.tunnels = new WebSocketTunnels({
      director,
      env: this.env,
      upstreamTimeoutMs: config.upstreamTimeoutMs,
      upstreamConnectTimeoutMs: config.upstreamConnectTimeoutMs,
      onFinished: (event) => this.emit('exchange', event),
      inFlightDelta: (delta) => {
        this.inFlightCount += delta;
      },
    });
    this.server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) =>
      this.tunnels.handleUpgrade(req, socket, head, this.draining),
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
    return this.inFlightCount;
  }

  /** Where the proxy listens (after `start()`). */
  address(): AddressInfo | undefined {
    const address = this.server.address();
    return address !== null && typeof address === 'object' ? address : undefined;
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.shutdown();
  }

  /** Bind the proxy port. Fails (EADDRINUSE, EACCES) with the address in the message. */
  start(): Promise<AddressInfo> {
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
    this.tunnels.destroyAll();
    this.server.closeAllConnections();
    this.agent.destroy();
    await closed;
    this.logger.log(`proxy stopped after ${Date.now() - startedAt} ms`);
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const exchange = newExchange(req, normalizePeerAddress(req.socket.remoteAddress), false);
    try {
      const answer = runRequestSteps(exchange, this.env);
      if (answer !== undefined) {
        this.answerLocally(exchange, res, answer);
        return;
      }
      this.inFlightCount++;
      res.on('close', this.releaseInFlight);
      if (exchange.hasBody && this.config.requestBuffering === 'buffer') {
        // The whole body first: a slow uploader must not hold a backend connection.
        bufferRequestBody(req, this.config.maxRequestBodyBytes, (body) =>
          this.afterBody(exchange, res, body),
        );
        return;
      }
      // No body (or a streamed one): nothing to wait for, straight to the director.
      this.admitAndDispatch(exchange, res);
    } catch (error) {
      this.internalError(exchange, res, error);
    }
  }

  private afterBody(
    exchange: Exchange,
    res: ServerResponse,
    body: Buffer | 'too-large' | 'gone',
  ): void {
    if (body === 'gone') {
      res.destroy();
      this.report(exchange, 0, 'client-aborted');
      return;
    }
    if (body === 'too-large') {
      const text = `request body larger than ${this.config.maxRequestBodyBytes} bytes`;
      this.answerLocally(exchange, res, { status: 413, text, closeConnection: true });
      return;
    }
    exchange.body = body;
    this.admitAndDispatch(exchange, res);
  }

  private admitAndDispatch(exchange: Exchange, res: ServerResponse): void {
    try {
      const decision = this.director.admit({
        method: exchange.req.method ?? 'GET',
        path: exchange.req.url ?? '/',
        remoteAddress: exchange.peerAddress,
      });
      this.dispatch(exchange, res, decision, 0);
    } catch (error) {
      this.internalError(exchange, res, error);
    }
  }

  /** Our own bug or a director that threw: never let it reach the process. */
  private internalError(exchange: Exchange, res: ServerResponse, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.logger.error(`proxy request failed internally: ${message}`);
    this.answerLocally(exchange, res, { status: 500, text: 'internal proxy error' }, message);
  }

  private dispatch(
    exchange: Exchange,
    res: ServerResponse,
    decision: TrafficDecision,
    queueHops: number,
  ): void {
    switch (decision.kind) {
      case 'reject':
        this.answerLocally(exchange, res, {
          status: 503,
          text: decision.reason,
          retryAfterSeconds: decision.retryAfterSeconds,
        });
        return;
      case 'forward':
        new UpstreamCall(exchange, res, this.upstreamCallSettings).start(decision.backend);
        return;
      case 'queue':
        // A client that leaves while held gives its place to the next request at once. After the
        // decision settles, `close` (also emitted on a normal finish) makes withdraw() a no-op.
        res.once('close', decision.withdraw);
        decision.decision.then(
          (next) => this.afterQueue(exchange, res, next, queueHops + 1),
          (error: unknown) =>
            this.answerLocally(
              exchange,
              res,
              { status: 503, text: 'no backend became available', retryAfterSeconds: 1 },
              String(error),
            ),
        );
        return;
    }
  }

  private afterQueue(
    exchange: Exchange,
    res: ServerResponse,
    next: TrafficDecision,
    queueHops: number,
  ): void {
    try {
      if (res.destroyed || res.writableEnded) {
        // The client left while queued: hand the backend straight back.
        if (next.kind === 'forward') this.director.settle(next.backend, 'client-aborted', 0);
        return;
      }
      if (next.kind === 'queue' && queueHops >= MAX_QUEUE_HOPS) {
        this.answerLocally(exchange, res, {
          status: 503,
          text: 'no backend became available',
          retryAfterSeconds: 1,
        });
        return;
      }
      this.dispatch(exchange, res, next, queueHops);
    } catch (error) {
      this.internalError(exchange, res, error);
    }
  }

  private answerLocally(
    exchange: Exchange,
    res: ServerResponse,
    answer: LocalAnswer,
    error?: string,
  ): void {
    // A request whose body we will not read must not leave its bytes on a kept-alive connection:
    // Node discards a declared body after the answer, but an undeclared framing gets a close.
    writeLocalAnswer(res, answer, this.draining);
    exchange.req.on('error', () => undefined);
    this.report(exchange, answer.status, 'local', undefined, false, error);
  }

  /** The `exchange` event (metrics, logs); nothing is built when nobody listens. */
  private report(
    exchange: Exchange,
    status: number,
    outcome: ProxyExchangeEvent['outcome'],
    backendId?: string,
    retried = false,
    error?: string,
  ): void {
    if (this.listenerCount('exchange') === 0) return;
    this.emit('exchange', {
      method: exchange.req.method ?? 'GET',
      status,
      outcome,
      backendId,
      retried,
      durationMs: performance.now() - exchange.startedAtMs,
      error,
    } satisfies ProxyExchangeEvent);
  }
}
