import type { ProxyConfig } from '../config/proxy.config';
import type { AttemptEngine } from './attempt-engine';
import { PENDING } from './exchange';
import type { Exchange, LocalAnswer, StepVerdict } from './exchange';
import { connectionNamedHeaders, isHopByHop, mayBeSpecialHeader } from './hop-by-hop-headers';
import type { PathMapper } from './path-mapper';
import { bufferRequestBody } from './request-body';
import type { TrustedProxies } from './trusted-proxies';

/**
 * The request path, as one ordered list of named steps (REQUEST_STEPS at the end): hygiene
 * checks, the body, admission and the upstream attempt. Every client request, plain or a
 * WebSocket upgrade, runs the same list; a step that does not apply to it goes on at once.
 * A step answers locally (the request stops there), goes on, or carries the request on by
 * itself (PENDING: the body is read, the request is queued, or it went upstream).
 */

/** What the steps may consult: the settings, the proxy's live state and the attempt engine. */
export interface StepEnvironment {
  readonly config: ProxyConfig;
  readonly trustedProxies: TrustedProxies;
  readonly pathMapper: PathMapper;
  readonly engine: AttemptEngine;
  /** Client requests currently being served (not counting this one). */
  readonly inFlight: () => number;
  readonly addInFlight: () => void;
  /** One shared function (no closure per request) called when a request stops counting. */
  readonly releaseInFlight: () => void;
  /** True while the proxy shuts down. */
  readonly draining: () => boolean;
}

export type RequestStep = (exchange: Exchange, env: StepEnvironment) => StepVerdict;

/** A tunnel opened now would be cut moments later by the shutdown: refuse it up front. */
export const refuseUpgradeWhileDraining: RequestStep = (exchange, env) => {
  if (!exchange.webSocket || !env.draining()) return undefined;
  return { status: 503, text: 'proxy shutting down', retryAfterSeconds: 1 };
};

/** Only WebSocket upgrades are tunnelled; other protocols (h2c) are refused. */
export const requireWebSocketUpgrade: RequestStep = (exchange) => {
  if (!exchange.webSocket) return undefined;
  const { req } = exchange;
  if (req.method === 'GET' && req.headers.upgrade?.trim().toLowerCase() === 'websocket')
    return undefined;
  return { status: 400, text: 'only WebSocket upgrades are proxied' };
};

/** Past `maxInFlight`, shed load with 503 + Retry-After instead of queueing without bound. */
export const shedOverload: RequestStep = (_exchange, env) => {
  if (env.inFlight() < env.config.maxInFlight) return undefined;
  return {
    status: 503,
    text: 'proxy overloaded, retry later',
    retryAfterSeconds: env.config.overloadRetryAfterSeconds,
  };
};

/** Only origin-form targets (`/path?q`): an absolute URL or `*` is not ours to forward. */
export const requireOriginFormTarget: RequestStep = (exchange) => {
  const url = exchange.req.url ?? '';
  if (url.charCodeAt(0) === 47 /* '/' */) return undefined;
  return {
    status: 400,
    text: 'request target must be an absolute path (origin form)',
    closeConnection: true,
  };
};

/**
 * Framing: a body is delimited by `Content-Length` or by `Transfer-Encoding: chunked`, nothing
 * else. Node's parser accepts e.g. `Transfer-Encoding: gzip` (read to connection close), which a
 * backend could read differently: refuse it. A chunked body is forwarded chunked (never
 * re-framed), also for DELETE/OPTIONS unless `chunkedDeleteOptions: reject`.
 */
export const rejectUnsupportedTransferEncoding: RequestStep = (exchange, env) => {
  const { req } = exchange;
  const te = req.headers['transfer-encoding'];
  if (te !== undefined) {
    if (te.trim().toLowerCase() !== 'chunked') {
      return {
        status: 400,
        text: 'unsupported Transfer-Encoding: only "chunked" is accepted',
        closeConnection: true,
      };
    }
    if (
      env.config.chunkedDeleteOptions === 'reject' &&
      (req.method === 'DELETE' || req.method === 'OPTIONS')
    ) {
      return {
        status: 400,
        text: `a ${req.method} request may not carry a chunked body`,
        closeConnection: true,
      };
    }
    exchange.chunked = true;
    exchange.hasBody = true;
    return undefined;
  }
  const length = req.headers['content-length'];
  exchange.hasBody = length !== undefined && Number(length) > 0;
  if (exchange.hasBody && Number(length) > env.config.maxRequestBodyBytes) {
    return {
      status: 413,
      text: `request body larger than ${env.config.maxRequestBodyBytes} bytes`,
      closeConnection: true,
    };
  }
  return undefined;
};

/**
 * The headers for the backend, in one pass over the raw list: hop-by-hop headers and those named
 * by `Connection` dropped (so a request `Trailer` can never reach Node's client and crash it),
 * `X-Forwarded-For/-Proto/-Host` (and `Forwarded`, `X-Real-IP`) replaced unless the peer is a
 * trusted proxy, whose chain is extended instead.
 */
export const buildUpstreamHeaders: RequestStep = (exchange, env) => {
  const raw = exchange.req.rawHeaders;
  const named = connectionNamedHeaders(exchange.req.headers.connection);
  const trusted = env.trustedProxies.isTrusted(exchange.peerAddress);
  const out: string[] = [];
  let host: string | undefined;
  let priorForwardedFor: string | undefined;
  let priorProto: string | undefined;
  let priorHost: string | undefined;

  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    const value = raw[i + 1];
    if (named === undefined && !mayBeSpecialHeader(name)) {
      out.push(name, value);
      continue;
    }
    const lower = name.toLowerCase();
    switch (lower) {
      case 'host':
        if (host !== undefined)
          return { status: 400, text: 'more than one Host header', closeConnection: true };
        host = value;
        out.push(name, value);
        continue;
      case 'transfer-encoding':
        continue; // re-added below from the validated framing
      case 'x-forwarded-for':
        if (trusted)
          priorForwardedFor =
            priorForwardedFor === undefined ? value : `${priorForwardedFor}, ${value}`;
        continue;
      case 'x-forwarded-proto':
        if (trusted && priorProto === undefined) priorProto = value;
        continue;
      case 'x-forwarded-host':
        if (trusted && priorHost === undefined) priorHost = value;
        continue;
      case 'forwarded':
      case 'x-real-ip':
        if (trusted) out.push(name, value);
        continue;
    }
    if (isHopByHop(lower, named)) continue;
    out.push(name, value);
  }

  if (exchange.chunked) out.push('Transfer-Encoding', 'chunked');
  if (exchange.webSocket) out.push('Connection', 'Upgrade', 'Upgrade', 'websocket');
  const peer = exchange.peerAddress;
  out.push(
    'X-Forwarded-For',
    priorForwardedFor === undefined ? peer : `${priorForwardedFor}, ${peer}`,
  );
  out.push('X-Forwarded-Proto', priorProto ?? 'http');
  const forwardedHost = priorHost ?? host;
  if (forwardedHost !== undefined) out.push('X-Forwarded-Host', forwardedHost);
  exchange.upstreamHeaders = out;
  return undefined;
};

/** `GET /` -> `/work` and any other configured exact-path rewrite. */
export const mapPath: RequestStep = (exchange, env) => {
  exchange.upstreamPath = env.pathMapper.map(exchange.req.method ?? 'GET', exchange.req.url ?? '/');
  return undefined;
};

/** From here on the request counts as in flight (a WebSocket one until its handshake ends). */
export const countInFlight: RequestStep = (exchange, env) => {
  env.addInFlight();
  exchange.transport.whenNoLongerInFlight(env.releaseInFlight);
  return undefined;
};

/**
 * With `requestBuffering: buffer` (default) the whole body first, chunked ones too (413 past
 * the limit), so a slow uploader holds no backend connection. A bodiless request goes on at
 * once; with `stream` the body is piped once the upstream connection is up.
 */
export const readBody: RequestStep = (exchange, env) => {
  if (!exchange.hasBody || exchange.webSocket || env.config.requestBuffering !== 'buffer')
    return undefined;
  bufferRequestBody(exchange.req, env.config.maxRequestBodyBytes, (body) => {
    if (body === 'gone') {
      env.engine.clientLeft(exchange);
      return;
    }
    if (body === 'too-large') {
      const text = `request body larger than ${env.config.maxRequestBodyBytes} bytes`;
      resumeRequestSteps(exchange, env, { status: 413, text, closeConnection: true });
      return;
    }
    exchange.body = body;
    resumeRequestSteps(exchange, env);
  });
  return PENDING;
};

/** `TrafficDirector.admit()`: forward (go on), reject (503 + `Retry-After`) or queue. */
export const admit: RequestStep = (exchange, env) => env.engine.admit(exchange);

/** The upstream attempt (and its one retry) through the exchange's transport. */
export const callUpstream: RequestStep = (exchange, env) => env.engine.attempt(exchange);

/** The order matters: cheap refusals first, then header work, the path, body, backend. */
export const REQUEST_STEPS: readonly RequestStep[] = [
  refuseUpgradeWhileDraining,
  requireWebSocketUpgrade,
  shedOverload,
  requireOriginFormTarget,
  rejectUnsupportedTransferEncoding,
  buildUpstreamHeaders,
  mapPath,
  countInFlight,
  readBody,
  admit,
  callUpstream,
];

/** Run the steps from `exchange.nextStep` until one answers or carries the request on. */
export function runRequestSteps(
  exchange: Exchange,
  env: StepEnvironment,
  steps: readonly RequestStep[] = REQUEST_STEPS,
): void {
  try {
    while (exchange.nextStep < steps.length) {
      const verdict = steps[exchange.nextStep++](exchange, env);
      if (verdict === PENDING) return;
      if (verdict !== undefined) {
        env.engine.answerLocally(exchange, verdict);
        return;
      }
    }
    throw new Error('the request steps ended without an answer');
  } catch (error) {
    env.engine.internalError(exchange, error);
  }
}

/** After a step that returned PENDING: answer, or go on with the next step. */
export function resumeRequestSteps(
  exchange: Exchange,
  env: StepEnvironment,
  answer?: LocalAnswer,
  error?: string,
): void {
  if (answer !== undefined) env.engine.answerLocally(exchange, answer, error);
  else runRequestSteps(exchange, env);
}
