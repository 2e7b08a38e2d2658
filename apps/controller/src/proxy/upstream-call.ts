import { request as httpRequest } from 'node:http';
import type { Agent, ClientRequest, IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { AttemptEngine } from './attempt-engine';
import type { Exchange, ExchangeTransport, LocalAnswer } from './exchange';
import { responseHeadersForClient } from './hop-by-hop-headers';
import { writeLocalAnswer } from './local-answer';
import type { Backend, UpstreamOutcome } from './traffic-director';
import {
  UPSTREAM_CONNECT_TIMEOUT,
  UPSTREAM_RESPONSE_TIMEOUT,
  classifyUpstreamError,
  upstreamError,
} from './upstream-error-table';

/** The same for every request (built once by the proxy server, not per request). */
export interface UpstreamCallSettings {
  readonly agent: Agent;
  readonly engine: AttemptEngine;
  readonly upstreamTimeoutMs: number;
  readonly upstreamConnectTimeoutMs: number;
  /** True while the proxy shuts down: answers carry `Connection: close`. */
  readonly draining: () => boolean;
}

/** An error listener that only has to exist (the request's end is seen elsewhere). */
const ignoreError = (): void => undefined;

/**
 * The transport of one plain HTTP request: its upstream attempts on the keep-alive agent, the
 * response head filtered and its body streamed back, and every way it can end told to the
 * attempt engine (which retries, settles and reports).
 *
 * Every emitter on the path has an error listener: the client request and response, the
 * upstream request, its socket (via the request) and the upstream response.
 *
 * It runs once per request, so it keeps listeners few: one `close` listener on the client
 * response tells a completed answer from a client that left, and the body is forwarded by three
 * listeners (`data`/`end`, `drain` only when the client is slow) instead of `pipe()`'s eight.
 */
export class UpstreamCall implements ExchangeTransport {
  private exchange: Exchange | undefined;
  private upstreamReq: ClientRequest | undefined;
  private connectTimer: NodeJS.Timeout | undefined;
  private reusedSocket = false;
  private bytesReadAtAssign = 0;
  private bodyStarted = false;
  private responseStarted = false;

  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly settings: UpstreamCallSettings,
  ) {}

  clientGone(): boolean {
    return this.res.destroyed || this.res.writableEnded;
  }

  onClientLeavesQueue(listener: () => void): void {
    // `close` also follows a normal finish; by then withdraw() is a no-op.
    this.res.once('close', listener);
  }

  whenNoLongerInFlight(release: () => void): void {
    this.res.on('close', release);
  }

  answer(answer: LocalAnswer): void {
    // A request whose body we will not read must not leave its bytes on a kept-alive
    // connection: Node discards a declared body after the answer, an undeclared framing closes.
    writeLocalAnswer(this.res, answer, this.settings.draining());
    this.req.on('error', ignoreError);
  }

  cut(): void {
    this.res.destroy();
  }

  send(exchange: Exchange, backend: Backend): void {
    if (this.exchange === undefined) {
      this.exchange = exchange;
      // `close` follows `finish` when the answer went out; without `finish`, the client went
      // away (before or during the answer), which ends the upstream exchange at once.
      this.res.on('close', () => this.onClientResponseClose());
      this.res.on('error', () => this.onClientLeft());
      exchange.req.on('error', () => this.onClientLeft());
    }
    this.reusedSocket = false;
    const { settings } = this;
    const upstreamReq = httpRequest({
      agent: settings.agent,
      host: backend.host,
      port: backend.port,
      method: exchange.req.method,
      path: exchange.upstreamPath,
      headers: exchange.upstreamHeaders,
      // The socket's own inactivity timeout (set before connecting, like setTimeout() but
      // without its extra once('socket')/once('timeout') listeners per request).
      timeout: settings.upstreamTimeoutMs,
    });
    this.upstreamReq = upstreamReq;
    upstreamReq.on('error', (error) => this.onUpstreamError(upstreamReq, error));
    upstreamReq.on('socket', (socket: Socket) => this.onSocket(upstreamReq, socket));
    upstreamReq.on('response', (upstreamRes: IncomingMessage) =>
      this.onResponse(upstreamReq, upstreamRes),
    );
    upstreamReq.on('timeout', () =>
      upstreamReq.destroy(upstreamError(UPSTREAM_RESPONSE_TIMEOUT, 'upstream response timed out')),
    );
    // A buffered body goes out with its original framing headers (Content-Length, or chunked:
    // Node writes it as one chunk plus the terminator); a streamed one waits for the connect.
    if (exchange.body !== undefined) upstreamReq.end(exchange.body);
    else if (!exchange.hasBody) upstreamReq.end();
  }

  private onClientResponseClose(): void {
    if (this.res.writableFinished) this.end(this.res.statusCode, 'ok');
    else this.onClientLeft();
  }

  private onSocket(upstreamReq: ClientRequest, socket: Socket): void {
    if (upstreamReq !== this.upstreamReq) return;
    this.reusedSocket = upstreamReq.reusedSocket;
    this.bytesReadAtAssign = socket.bytesRead;
    if (socket.connecting) {
      this.connectTimer = setTimeout(
        () =>
          upstreamReq.destroy(
            upstreamError(UPSTREAM_CONNECT_TIMEOUT, 'upstream connect timed out'),
          ),
        this.settings.upstreamConnectTimeoutMs,
      );
      socket.once('connect', () => {
        this.clearConnectTimer();
        this.startBody(upstreamReq);
      });
    } else {
      this.startBody(upstreamReq);
    }
  }

  /** A streamed body is piped only once the connection is up, so a refused connect can be retried. */
  private startBody(upstreamReq: ClientRequest): void {
    const exchange = this.exchange!;
    if (!exchange.hasBody || exchange.body !== undefined) return;
    if (this.bodyStarted || upstreamReq !== this.upstreamReq || exchange.reported) return;
    this.bodyStarted = true;
    exchange.req.pipe(upstreamReq);
  }

  private onResponse(upstreamReq: ClientRequest, upstreamRes: IncomingMessage): void {
    upstreamRes.on('error', (error) => this.onUpstreamError(upstreamReq, error));
    if (upstreamReq !== this.upstreamReq || this.exchange!.reported) {
      upstreamReq.destroy();
      return;
    }
    this.clearConnectTimer();
    this.responseStarted = true;
    const headers = responseHeadersForClient(upstreamRes.rawHeaders);
    if (this.settings.draining()) headers.push('Connection', 'close');
    try {
      this.res.writeHead(upstreamRes.statusCode ?? 502, headers);
    } catch (error) {
      // A header Node refuses to send (should not pass Node's strict parser, but never crash).
      this.responseStarted = false;
      upstreamReq.destroy();
      this.settings.engine.fail(this.exchange!, 502, 'reset', error);
      return;
    }
    upstreamRes.on('close', () => {
      if (!upstreamRes.complete && !this.exchange!.reported) {
        // The backend died mid-body: the client must see a truncated response, not a clean end.
        this.end(this.res.headersSent ? 0 : 502, 'reset', 'upstream closed mid-response');
        this.res.destroy();
      }
    });
    this.forwardBody(upstreamRes);
  }

  /**
   * The response body to the client with back-pressure: a client that reads slowly pauses the
   * backend's stream until it drains. Its end ends the client response (whose `close` settles).
   */
  private forwardBody(upstreamRes: IncomingMessage): void {
    const { res } = this;
    let resumeOnDrain = false;
    upstreamRes.on('data', (chunk: Buffer) => {
      if (res.write(chunk)) return;
      upstreamRes.pause();
      if (!resumeOnDrain) {
        resumeOnDrain = true;
        res.on('drain', () => upstreamRes.resume());
      }
    });
    upstreamRes.on('end', () => res.end());
  }

  private onUpstreamError(upstreamReq: ClientRequest, error: Error): void {
    const exchange = this.exchange!;
    if (upstreamReq !== this.upstreamReq || exchange.reported) return;
    this.clearConnectTimer();
    const failure = classifyUpstreamError(error);
    if (this.responseStarted) {
      // Part of the answer is already out: the only honest signal left is a cut connection.
      this.end(0, failure.outcome, error.message);
      this.res.destroy();
      return;
    }
    this.settings.engine.attemptFailed(
      exchange,
      failure,
      error,
      this.nothingSent(failure.beforeConnect, failure.reset),
    );
  }

  /**
   * The backend provably never saw the request: the connection was never established, or a
   * reused keep-alive socket was reset before a single response byte (the backend closed it as
   * we reused it). A buffered body can be replayed; a streamed one that already started cannot.
   */
  private nothingSent(beforeConnect: boolean, reset: boolean): boolean {
    if (this.bodyStarted) return false;
    if (beforeConnect) return true;
    const socket = this.upstreamReq?.socket;
    return (
      reset &&
      this.reusedSocket &&
      socket !== undefined &&
      socket !== null &&
      socket.bytesRead === this.bytesReadAtAssign
    );
  }

  private onClientLeft(): void {
    const exchange = this.exchange!;
    if (exchange.reported) return;
    this.clearConnectTimer();
    this.upstreamReq?.destroy();
    this.end(0, 'client-aborted', 'client closed the connection');
  }

  private end(status: number, outcome: UpstreamOutcome, error?: string): void {
    this.clearConnectTimer();
    this.settings.engine.finish(this.exchange!, status, outcome, error);
  }

  private clearConnectTimer(): void {
    if (this.connectTimer !== undefined) {
      clearTimeout(this.connectTimer);
      this.connectTimer = undefined;
    }
  }
}
