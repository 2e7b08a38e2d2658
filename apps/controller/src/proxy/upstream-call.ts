import { request as httpRequest } from 'node:http';
import type { Agent, ClientRequest, IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Exchange } from './exchange';
import { responseHeadersForClient } from './hop-by-hop-headers';
import { writeLocalAnswer } from './local-answer';
import type { Backend, TrafficDirector, UpstreamOutcome } from './traffic-director';
import {
  UPSTREAM_CONNECT_TIMEOUT,
  UPSTREAM_RESPONSE_TIMEOUT,
  classifyUpstreamError,
  upstreamError,
} from './upstream-error-table';

/** The same for every request (built once by the proxy server, not per request). */
export interface UpstreamCallSettings {
  readonly agent: Agent;
  readonly director: TrafficDirector;
  readonly upstreamTimeoutMs: number;
  readonly upstreamConnectTimeoutMs: number;
  /** True while the proxy shuts down: answers carry `Connection: close`. */
  readonly draining: () => boolean;
  /** Called once when the exchange is over, for metrics and logs. */
  readonly onFinished: (exchange: Exchange, summary: UpstreamCallSummary) => void;
}

export interface UpstreamCallSummary {
  readonly backendId: string;
  /** Status sent to the client (0 when the client went away before any answer). */
  readonly status: number;
  readonly outcome: UpstreamOutcome;
  readonly retried: boolean;
  readonly error?: string;
}

const FAILURE_TEXT: Readonly<Record<number, string>> = {
  502: 'bad gateway: the backend connection failed',
  503: 'service unavailable: the backend address could not be resolved',
  504: 'gateway timeout: the backend did not answer in time',
};

/**
 * One client request forwarded upstream: at most two attempts (a retry only when the backend
 * provably never saw the request), the response head filtered and its body streamed back, and
 * every way it can end mapped to one `settle()` per backend handed out.
 *
 * Every emitter on the path has an error listener: the client request and response, the
 * upstream request, its socket (via the request) and the upstream response.
 *
 * It runs once per request, so it keeps listeners few: one `close` listener on the client
 * response tells a completed answer from a client that left, and the body is forwarded by three
 * listeners (`data`/`end`, `drain` only when the client is slow) instead of `pipe()`'s eight.
 */
export class UpstreamCall {
  private backend!: Backend;
  private upstreamReq: ClientRequest | undefined;
  private attemptStartedAtMs = 0;
  private connectTimer: NodeJS.Timeout | undefined;
  private reusedSocket = false;
  private bytesReadAtAssign = 0;
  private retried = false;
  private bodyStarted = false;
  private responseStarted = false;
  private settled = false;
  private done = false;

  constructor(
    private readonly exchange: Exchange,
    private readonly res: ServerResponse,
    private readonly settings: UpstreamCallSettings,
  ) {}

  start(backend: Backend): void {
    const { req } = this.exchange;
    // `close` follows `finish` when the answer went out; without `finish`, the client went away
    // (before or during the answer), which ends the upstream exchange at once.
    this.res.on('close', () => this.onClientResponseClose());
    this.res.on('error', () => this.clientGone());
    req.on('error', () => this.clientGone());
    this.attempt(backend);
  }

  private onClientResponseClose(): void {
    if (this.res.writableFinished) this.finish(this.res.statusCode, 'ok');
    else this.clientGone();
  }

  private attempt(backend: Backend): void {
    this.backend = backend;
    this.attemptStartedAtMs = performance.now();
    this.reusedSocket = false;
    const { exchange, settings } = this;
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
    const { exchange } = this;
    if (!exchange.hasBody || exchange.body !== undefined) return;
    if (this.bodyStarted || upstreamReq !== this.upstreamReq || this.done) return;
    this.bodyStarted = true;
    this.exchange.req.pipe(upstreamReq);
  }

  private onResponse(upstreamReq: ClientRequest, upstreamRes: IncomingMessage): void {
    upstreamRes.on('error', (error) => this.onUpstreamError(upstreamReq, error));
    if (upstreamReq !== this.upstreamReq || this.done) {
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
      this.answerFailure(502, 'reset', error);
      return;
    }
    upstreamRes.on('close', () => {
      if (!upstreamRes.complete && !this.done) {
        // The backend died mid-body: the client must see a truncated response, not a clean end.
        this.finish(this.res.headersSent ? 0 : 502, 'reset', 'upstream closed mid-response');
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
    if (upstreamReq !== this.upstreamReq || this.done) return;
    this.clearConnectTimer();
    const failure = classifyUpstreamError(error);
    if (this.responseStarted) {
      // Part of the answer is already out: the only honest signal left is a cut connection.
      this.finish(0, failure.outcome, error.message);
      this.res.destroy();
      return;
    }
    if (this.canRetry(failure.beforeConnect, failure.reset)) {
      this.retry(failure.outcome);
      return;
    }
    this.answerFailure(failure.status, failure.outcome, error);
  }

  /**
   * Retry once, only when the backend provably never saw the request: the connection was never
   * established, or a reused keep-alive socket was reset before a single response byte (the
   * backend closed it as we reused it). A buffered body can be replayed; a streamed one that
   * already started cannot.
   */
  private canRetry(beforeConnect: boolean, reset: boolean): boolean {
    if (this.retried || this.bodyStarted) return false;
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

  private retry(outcome: UpstreamOutcome): void {
    this.retried = true;
    const failed = this.backend;
    const alternative = this.settings.director.alternative(failed);
    if (alternative !== undefined) this.settle(outcome);
    this.settled = false;
    this.attempt(alternative ?? failed);
  }

  private answerFailure(status: number, outcome: UpstreamOutcome, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    if (!this.res.destroyed)
      writeLocalAnswer(this.res, { status, text: FAILURE_TEXT[status] ?? 'bad gateway' });
    this.finish(status, outcome, message);
  }

  private clientGone(): void {
    if (this.done) return;
    this.clearConnectTimer();
    this.upstreamReq?.destroy();
    this.finish(0, 'client-aborted', 'client closed the connection');
  }

  private finish(status: number, outcome: UpstreamOutcome, error?: string): void {
    if (this.done) return;
    this.done = true;
    this.clearConnectTimer();
    this.settle(outcome);
    this.settings.onFinished(this.exchange, {
      backendId: this.backend.id,
      status,
      outcome,
      retried: this.retried,
      error,
    });
  }

  /** Exactly once per backend handed out by `admit`/`alternative`. */
  private settle(outcome: UpstreamOutcome): void {
    if (this.settled) return;
    this.settled = true;
    this.settings.director.settle(
      this.backend,
      outcome,
      performance.now() - this.attemptStartedAtMs,
    );
  }

  private clearConnectTimer(): void {
    if (this.connectTimer !== undefined) {
      clearTimeout(this.connectTimer);
      this.connectTimer = undefined;
    }
  }
}
