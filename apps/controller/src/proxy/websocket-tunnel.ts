import { request as httpRequest, STATUS_CODES } from 'node:http';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { AttemptEngine } from './attempt-engine';
import type { Exchange, ExchangeTransport, LocalAnswer } from './exchange';
import { responseHeadersForClient } from './hop-by-hop-headers';
import { writeLocalAnswerToSocket } from './local-answer';
import type { Backend } from './traffic-director';
import {
  UPSTREAM_CONNECT_TIMEOUT,
  UPSTREAM_RESPONSE_TIMEOUT,
  classifyUpstreamError,
  upstreamError,
} from './upstream-error-table';

/** The same for every upgrade (built once by the proxy server). */
export interface WebSocketTunnelSettings {
  readonly engine: AttemptEngine;
  readonly upstreamTimeoutMs: number;
  readonly upstreamConnectTimeoutMs: number;
  /** Client sockets of established tunnels (cut at the end of a shutdown). */
  readonly openTunnels: Set<Socket>;
}

/**
 * The transport of one WebSocket upgrade: the handshake on a fresh (never pooled) backend
 * connection, then a byte tunnel between the two sockets. Both sockets have error listeners
 * before and after the upgrade; either side closing closes the other; the backend is settled
 * when the tunnel ends (the attempt engine settles it once). A backend that answers without
 * upgrading has its answer relayed, then the connection closes.
 */
export class WebSocketTunnel implements ExchangeTransport {
  private releaseInFlight: (() => void) | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly head: Buffer,
    private readonly settings: WebSocketTunnelSettings,
  ) {}

  clientGone(): boolean {
    return this.socket.destroyed;
  }

  onClientLeavesQueue(): void {
    // The socket is paused while the request is held, so its hang-up is seen only when the
    // decision arrives (clientGone), as the TrafficDecision contract says.
  }

  /** A handshake counts as in flight; an established tunnel does not hold a shutdown. */
  whenNoLongerInFlight(release: () => void): void {
    this.releaseInFlight = release;
    this.socket.once('close', () => this.endHandshake());
  }

  answer(answer: LocalAnswer): void {
    writeLocalAnswerToSocket(this.socket, answer);
  }

  cut(): void {
    this.socket.destroy();
  }

  send(exchange: Exchange, backend: Backend): void {
    const { settings, socket } = this;
    const engine = settings.engine;
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
      engine.finish(exchange, 0, 'client-aborted', 'client closed the connection');
    };
    socket.once('close', onClientClose);

    upstreamReq.on('error', (error) => {
      clearTimeout(connectTimer);
      if (answered) return;
      answered = true;
      socket.off('close', onClientClose);
      const failure = classifyUpstreamError(error);
      // A fresh connection: only a failed connect proves the backend saw nothing.
      engine.attemptFailed(exchange, failure, error, failure.beforeConnect);
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
      upstreamRes.once('end', () => engine.settle(exchange, 'ok'));
      upstreamRes.once('close', () => {
        if (!upstreamRes.complete) {
          engine.settle(exchange, 'reset');
          socket.destroy();
        }
      });
      engine.report(exchange, upstreamRes.statusCode ?? 502, 'ok');
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
        this.tunnel(exchange, upstreamRes, upstreamSocket, upstreamHead);
      },
    );
    upstreamReq.end();
  }

  private tunnel(
    exchange: Exchange,
    upstreamRes: IncomingMessage,
    upstreamSocket: Socket,
    upstreamHead: Buffer,
  ): void {
    const { socket, settings } = this;
    settings.openTunnels.add(socket);
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
      settings.openTunnels.delete(socket);
      socket.destroy();
      upstreamSocket.destroy();
      settings.engine.settle(exchange, 'ok');
    };
    socket.once('close', closeBoth);
    upstreamSocket.once('close', closeBoth);
    socket.pipe(upstreamSocket).pipe(socket);
    settings.engine.report(exchange, 101, 'ok');
  }

  private endHandshake(): void {
    const release = this.releaseInFlight;
    if (release === undefined) return;
    this.releaseInFlight = undefined;
    release();
  }
}

function statusAndHeaders(status: number, rawHeaders: readonly string[], close: boolean): string {
  let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}\r\n`;
  for (let i = 0; i < rawHeaders.length; i += 2)
    head += `${rawHeaders[i]}: ${rawHeaders[i + 1]}\r\n`;
  if (close) head += 'Connection: close\r\n';
  return `${head}\r\n`;
}
