import { PENDING } from './exchange';
import type { Exchange, LocalAnswer, ProxyExchangeEvent, StepVerdict } from './exchange';
import type { TrafficDecision, TrafficDirector, UpstreamOutcome } from './traffic-director';
import type { UpstreamFailure } from './upstream-error-table';

/** Nested `queue` decisions deeper than this are a director bug, not a reason to loop. */
export const MAX_QUEUE_HOPS = 4;

const NO_BACKEND: LocalAnswer = {
  status: 503,
  text: 'no backend became available',
  retryAfterSeconds: 1,
};

const FAILURE_TEXT: Readonly<Record<number, string>> = {
  502: 'bad gateway: the backend connection failed',
  503: 'service unavailable: the backend address could not be resolved',
  504: 'gateway timeout: the backend did not answer in time',
};

export interface AttemptEngineSettings {
  readonly director: TrafficDirector;
  /** Carry the request steps on after a queued decision (an answer stops them). */
  readonly resume: (exchange: Exchange, answer?: LocalAnswer, error?: string) => void;
  /** The `exchange` event; undefined when nobody listens (nothing is built then). */
  readonly reporter: () => ((event: ProxyExchangeEvent) => void) | undefined;
  /** Our own bug or a director that threw, as a log record's fields (msg, err, method, path, requestId). */
  readonly logInternalError: (fields: ProxyLogFields) => void;
  /** An upstream attempt that failed at the transport (refused, reset, timed out): rare, so logged each time. */
  readonly logUpstreamFailure?: (fields: ProxyLogFields) => void;
}

/** What the data path logs about one request: values as fields, never inside `msg`. */
export interface ProxyLogFields {
  readonly msg: string;
  readonly method: string;
  readonly path: string;
  /** The client's own X-Request-Id, when it sent one (the proxy forwards it unchanged). */
  readonly requestId?: string;
  readonly [field: string]: unknown;
}

const TRANSPORT_FAILURES: ReadonlySet<string> = new Set(['connect-failed', 'reset', 'timeout']);

/**
 * The one upstream engine for plain requests and WebSocket upgrades alike: the director's
 * decision (reject, forward, or queue hops up to MAX_QUEUE_HOPS), one attempt through the
 * exchange's transport, a single retry on the director's alternative when the transport shows
 * the backend provably saw nothing, and exactly one `settle()` per backend handed out and one
 * `exchange` event per request. The transports only move bytes and say how an attempt ended.
 */
export class AttemptEngine {
  constructor(private readonly settings: AttemptEngineSettings) {}

  /** The admission step: ask the director once; a queued request resumes the steps later. */
  admit(exchange: Exchange): StepVerdict {
    const decision = this.settings.director.admit({
      method: exchange.req.method ?? 'GET',
      path: exchange.req.url ?? '/',
      remoteAddress: exchange.peerAddress,
    });
    return this.decide(exchange, decision, 0);
  }

  /** The upstream step: the first attempt on the admitted backend. */
  attempt(exchange: Exchange): StepVerdict {
    exchange.settled = false;
    exchange.attemptStartedAtMs = performance.now();
    exchange.transport.send(exchange, exchange.backend!);
    return PENDING;
  }

  /**
   * An attempt failed before any answer byte reached the client. `nothingSent`: the transport
   * knows the backend never saw the request (connect failed, or a reused keep-alive socket
   * reset before a response byte, with no streamed body started). Then retry once, on the
   * alternative when there is one; otherwise answer 502/503/504.
   */
  attemptFailed(
    exchange: Exchange,
    failure: UpstreamFailure,
    error: Error,
    nothingSent: boolean,
  ): void {
    if (nothingSent && !exchange.retried && !exchange.transport.clientGone()) {
      this.retry(exchange, failure.outcome);
      return;
    }
    this.fail(exchange, failure.status, failure.outcome, error);
  }

  /** Answer the client with a gateway error for the current attempt and end the exchange. */
  fail(exchange: Exchange, status: number, outcome: UpstreamOutcome, error: unknown): void {
    exchange.transport.answer({ status, text: FAILURE_TEXT[status] ?? 'bad gateway' });
    this.finish(exchange, status, outcome, error instanceof Error ? error.message : String(error));
  }

  /** The exchange is over: settle its backend and report it (each once). */
  finish(exchange: Exchange, status: number, outcome: UpstreamOutcome, error?: string): void {
    if (exchange.reported) return;
    this.settle(exchange, outcome);
    this.report(exchange, status, outcome, error);
  }

  /** Exactly once per backend handed out by `admit`/`alternative`. */
  settle(exchange: Exchange, outcome: UpstreamOutcome): void {
    if (exchange.settled) return;
    exchange.settled = true;
    this.settings.director.settle(
      exchange.backend!,
      outcome,
      performance.now() - exchange.attemptStartedAtMs,
    );
  }

  /** The client left before its request was admitted (its upload broke off). */
  clientLeft(exchange: Exchange): void {
    exchange.transport.cut();
    this.report(exchange, 0, 'client-aborted');
  }

  /** The proxy answers by itself (a step, the director's 503, a queue that gave up). */
  answerLocally(exchange: Exchange, answer: LocalAnswer, error?: string): void {
    exchange.transport.answer(answer);
    this.report(exchange, answer.status, 'local', error);
  }

  /** Our own bug or a director that threw: never let it reach the process. */
  internalError(exchange: Exchange, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.settings.logInternalError({
      msg: 'proxy request failed internally',
      ...requestFields(exchange),
      err: error,
    });
    this.settle(exchange, 'reset'); // a backend handed out before the failure still goes back
    this.answerLocally(exchange, { status: 500, text: 'internal proxy error' }, message);
  }

  /** The `exchange` event, once per request; nothing is built when nobody listens. */
  report(
    exchange: Exchange,
    status: number,
    outcome: ProxyExchangeEvent['outcome'],
    error?: string,
  ): void {
    if (exchange.reported) return;
    exchange.reported = true;
    if (TRANSPORT_FAILURES.has(outcome) && this.settings.logUpstreamFailure) {
      this.settings.logUpstreamFailure({
        msg: 'upstream request failed',
        ...requestFields(exchange),
        backendId: exchange.backend?.id,
        outcome,
        status,
        retried: exchange.retried,
        elapsedMs: Math.round(performance.now() - exchange.startedAtMs),
        ...(error ? { error } : {}),
      });
    }
    const emit = this.settings.reporter();
    if (emit === undefined) return;
    emit({
      method: exchange.req.method ?? 'GET',
      status,
      outcome,
      backendId: exchange.backend?.id,
      retried: exchange.retried,
      durationMs: performance.now() - exchange.startedAtMs,
      error,
    });
  }

  private decide(exchange: Exchange, decision: TrafficDecision, queueHops: number): StepVerdict {
    switch (decision.kind) {
      case 'forward':
        exchange.backend = decision.backend;
        return undefined;
      case 'reject':
        return {
          status: 503,
          text: decision.reason,
          retryAfterSeconds: decision.retryAfterSeconds,
        };
      case 'queue':
        // A client that leaves while held gives its place to the next request at once; after
        // the decision settles, withdraw() is a no-op.
        exchange.transport.onClientLeavesQueue(decision.withdraw);
        decision.decision.then(
          (next) => this.afterQueue(exchange, next, queueHops + 1),
          (error: unknown) => this.settings.resume(exchange, NO_BACKEND, String(error)),
        );
        return PENDING;
    }
  }

  private afterQueue(exchange: Exchange, next: TrafficDecision, queueHops: number): void {
    try {
      if (exchange.transport.clientGone()) {
        // The client left while queued: hand the backend straight back.
        if (next.kind === 'forward')
          this.settings.director.settle(next.backend, 'client-aborted', 0);
        return;
      }
      if (next.kind === 'queue' && queueHops >= MAX_QUEUE_HOPS) {
        this.settings.resume(exchange, NO_BACKEND);
        return;
      }
      const verdict = this.decide(exchange, next, queueHops);
      if (verdict !== PENDING) this.settings.resume(exchange, verdict);
    } catch (error) {
      this.internalError(exchange, error);
    }
  }

  private retry(exchange: Exchange, outcome: UpstreamOutcome): void {
    exchange.retried = true;
    const failed = exchange.backend!;
    const alternative = this.settings.director.alternative(failed);
    if (alternative !== undefined) {
      this.settle(exchange, outcome);
      exchange.backend = alternative;
    }
    // Without an alternative the same backend is tried again: still handed out once, settled once.
    this.attempt(exchange);
  }
}

function requestFields(exchange: Exchange): { method: string; path: string; requestId?: string } {
  const given = exchange.req.headers['x-request-id'];
  return {
    method: exchange.req.method ?? 'GET',
    path: exchange.upstreamPath || (exchange.req.url ?? ''),
    ...(typeof given === 'string' && given.length <= 128 ? { requestId: given } : {}),
  };
}
