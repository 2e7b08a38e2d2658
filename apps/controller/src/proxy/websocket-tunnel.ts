import { request as httpRequest, STATUS_CODES } from 'node:http';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { newExchange } from './exchange';
import type { Exchange, LocalAnswer, StepEnvironment } from './exchange';
import { responseHeadersForClient } from './hop-by-hop-headers';
import { writeLocalAnswerToSocket } from './local-answer';
import type { ProxyExchangeEvent } from './proxy-server';
import { runRequestSteps } from './request-steps';
import type {
  Backend,
  TrafficDecision,
  TrafficDirector,
  UpstreamOutcome,
} from './traffic-director';
import {
  UPSTREAM_CONNECT_TIMEOUT,
  UPSTREAM_RESPONSE_TIMEOUT,
  classifyUpstreamError,
  upstreamError,
} from './upstream-error-table';
import { normalizePeerAddress } from './trusted-proxies';

export interface WebSocketTunnelSettings {
  readonly director: TrafficDirector;
  readonly env: StepEnvironment;
  readonly upstreamTimeoutMs: number;
  readonly upstreamConnectTimeoutMs: number;
  readonly onFinished: (event: ProxyExchangeEvent) => void;
  /** Handshakes count as in-flight requests (established tunnels do not hold a shutdown). */
  readonly inFlightDelta: (delta: number) => void;
}

const MAX_QUEUE_HOPS = 4;

/**
 * WebSocket upgrades: the same hygiene steps and traffic decision as any request, then a
 * byte tunnel between the client socket and a fresh (never pooled) backend connection. Both
 * sockets have error listeners before and after the upgrade; either side closing closes the
 * other; the backend is settled once, when the tunnel ends. Other upgrade protocols (h2c) are
 * refused with 400.
 */
export class WebSocketTunnels {
  private readonly open = new Set<Socket>();

  constructor(private readonly settings: WebSocketTunnelSettings) {}

  /** Cut every open tunnel (the last step of a shutdown). */
  destroyAll(): void {
    for (const socket of this.open) socket.destroy();
    this.open.clear();
  }

  handleUpgrade(req: IncomingMessage, socket: Socket, head: Buffer, draining: boolean): void {
    const startedAtMs = performance.now();
    socket.on('error', () => socket.destroy());
    const finishLocally = (answer: LocalAnswer, error?: string): void => {
      writeLocalAnswerToSocket(socket, answer);
      this.settings.onFinished({
        method: req.method ?? 'GET',
        status: answer.status,
        outcome: 'local',
        retried: false,
        durationMs: performance.now() - startedAtMs,
        error,
      });
    };
    try {
      if (draining) {
        finishLocally({ status: 503, text: 'proxy shutting down', retryAfterSeconds: 1 });
        return;
      }
      if (req.method !== 'GET' || req.headers.upgrade?.trim().toLowerCase() !== 'websocket') {
        finishLocally({ status: 400, text: 'only WebSocket upgrades are proxied' });
        return;
      }
      const exchange = newExchange(
        req,
        normalizePeerAddress(socket.remoteAddress),
        true,
        startedAtMs,
      );
      const answer = runRequestSteps(exchange, this.settings.env);
      if (answer !== undefined) {
        finishLocally(answer);
        return;
      }
      this.settings.inFlightDelta(1);
      let handshakeOver = false;
      const endHandshake = (): void => {
        if (handshakeOver) return;
        handshakeOver = true;
        this.settings.inFlightDelta(-1);
      };
      socket.once('close', endHandshake);
      const decision = this.settings.director.admit({
        method: 'GET',
        path: req.url ?? '/',
        remoteAddress: exchange.peerAddress,
      });
      new TunnelAttempt(
        exchange,
        socket,
        head,
        this.settings,
        this.open,
        startedAtMs,
        endHandshake,
        finishLocally,
      ).decide(decision, 0);
    } catch (error) {
      finishLocally({ status: 500, text: 'internal proxy error' }, (error as Error).message);
    }
  }
}

/** One upgrade request: decision, up to two connection attempts, then the tunnel. */
class TunnelAttempt {
  private backend!: Backend;
  private startedAtMs = 0;
  private retried = false;
  private settled = true;

  constructor(
    private readonly exchange: Exchange,
    private readonly socket: Socket,
    private readonly head: Buffer,
    private readonly settings: WebSocketTunnelSettings,
    private readonly open: Set<Socket>,
    private readonly requestStartedAtMs: number,
    private readonly endHandshake: () => void,
    private readonly finishLocally: (answer: LocalAnswer, error?: string) => void,
  ) {}

  decide(decision: TrafficDecision, queueHops: number): void {
    switch (decision.kind) {
      case 'reject':
        this.finishLocally({
          status: 503,
          text: decision.reason,
          retryAfterSeconds: decision.retryAfterSeconds,
        });
        return;
      case 'forward':
        this.connect(decision.backend);
        return;
      case 'queue':
        decision.decision.then(
          (next) => {
            if (this.socket.destroyed) {
              if (next.kind === 'forward')
                this.settings.director.settle(next.backend, 'client-aborted', 0);
              return;
            }
            if (next.kind === 'queue' && queueHops + 1 >= MAX_QUEUE_HOPS) {
              this.finishLocally({
                status: 503,
                text: 'no backend became available',
                retryAfterSeconds: 1,
              });
              return;
            }
            this.decide(next, queueHops + 1);
          },
          (error: unknown) =>
            this.finishLocally(
              { status: 503, text: 'no backend became available', retryAfterSeconds: 1 },
              String(error),
            ),
        );
        return;
    }
  }

  private connect(backend: Backend): void {
    this.backend = backend;
    this.settled = false;
    this.startedAtMs = performance.now();
    const { exchange, settings, socket } = this;
    let answered = false;
    const upstreamReq = httpRequest({
      agent: false, // an upgraded socket leaves any pool; don't borrow one
      host: backend.host,
      port: backend.port,
      method: 'GET',
      path: exchange.upstreamPath,
      headers: exchange.upstreamHeaders,
    });
    const connectTimer = setTimeout(
      () =>
        upstreamReq.destroy(upstreamError(UPSTREAM_CONNECT_TIMEOUT, 'upstream connect timed out')),
      settings.upstreamConnectTimeoutMs,
    );
    upstreamReq.on('socket', (s: Socket) => s.once('connect', () => clearTimeout(connectTimer)));
    upstreamReq.setTimeout(settings.upstreamTimeoutMs, () =>
      upstreamReq.destroy(upstreamError(UPSTREAM_RESPONSE_TIMEOUT, 'upstream response timed out')),
    );
    // The client leaving during the handshake abandons the upstream attempt.
    const onClientClose = (): void => {
      if (answered) return;
      answered = true;
      clearTimeout(connectTimer);
      upstreamReq.destroy();
      this.settle('client-aborted');
    };
    socket.once('close', onClientClose);

    upstreamReq.on('error', (error) => {
      clearTimeout(connectTimer);
      if (answered) return;
      answered = true;
      socket.off('close', onClientClose);
      const failure = classifyUpstreamError(error);
      if (failure.beforeConnect && !this.retried && !socket.destroyed) {
        this.retried = true;
        const alternative = settings.director.alternative(backend);
        if (alternative !== undefined) this.settle(failure.outcome);
        this.settled = true;
        this.connect(alternative ?? backend);
        return;
      }
      this.settle(failure.outcome);
      this.finishLocally(
        {
          status: failure.status,
          text: failure.status === 504 ? 'gateway timeout' : 'bad gateway',
        },
        error.message,
      );
    });

    // The backend answered without upgrading: relay its answer and close.
    upstreamReq.on('response', (upstreamRes: IncomingMessage) => {
      clearTimeout(connectTimer);
      upstreamRes.on('error', () => socket.destroy());
      if (answered) {
        upstreamRes.destroy();
        return;
      }
      answered = true;
      socket.off('close', onClientClose);
      socket.once('close', () => upstreamRes.destroy());
      socket.write(
        statusAndHeaders(
          upstreamRes.statusCode ?? 502,
          responseHeadersForClient(upstreamRes.rawHeaders),
          true,
        ),
      );
      upstreamRes.pipe(socket);
      upstreamRes.once('end', () => this.settle('ok'));
      upstreamRes.once('close', () => {
        if (!upstreamRes.complete) {
          this.settle('reset');
          socket.destroy();
        }
      });
      this.report(upstreamRes.statusCode ?? 502, 'ok');
    });

    upstreamReq.on(
      'upgrade',
      (upstreamRes: IncomingMessage, upstreamSocket: Socket, upstreamHead: Buffer) => {
        clearTimeout(connectTimer);
        upstreamSocket.on('error', () => upstreamSocket.destroy());
        if (answered || socket.destroyed) {
          upstreamSocket.destroy();
          return;
        }
        answered = true;
        socket.off('close', onClientClose);
        this.endHandshake();
        this.open.add(socket);
        upstreamSocket.setTimeout(0);
        socket.setTimeout(0);
        upstreamSocket.setNoDelay(true);
        socket.setNoDelay(true);
        socket.write(
          statusAndHeaders(101, responseHeadersForClient(upstreamRes.rawHeaders, true), false),
        );
        if (upstreamHead.length > 0) upstreamSocket.unshift(upstreamHead);
        if (this.head.length > 0) socket.unshift(this.head);
        const closeBoth = (): void => {
          this.open.delete(socket);
          socket.destroy();
          upstreamSocket.destroy();
          this.settle('ok');
        };
        socket.once('close', closeBoth);
        upstreamSocket.once('close', closeBoth);
        socket.pipe(upstreamSocket).pipe(socket);
        this.report(101, 'ok');
      },
    );
    upstreamReq.end();
  }

  private settle(outcome: UpstreamOutcome): void {
    if (this.settled) return;
    this.settled = true;
    this.settings.director.settle(this.backend, outcome, performance.now() - this.startedAtMs);
  }

  private report(status: number, outcome: UpstreamOutcome): void {
    this.settings.onFinished({
      method: 'GET',
      status,
      outcome,
      backendId: this.backend.id,
      retried: this.retried,
      durationMs: performance.now() - this.requestStartedAtMs,
    });
  }
}

function statusAndHeaders(status: number, rawHeaders: readonly string[], close: boolean): string {
  let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}\r\n`;
  for (let i = 0; i < rawHeaders.length; i += 2)
    head += `${rawHeaders[i]}: ${rawHeaders[i + 1]}\r\n`;
  if (close) head += 'Connection: close\r\n';
  return `${head}\r\n`;
}
