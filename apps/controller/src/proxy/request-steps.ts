import type { Exchange, LocalAnswer, RequestStep, StepEnvironment } from './exchange';
import { connectionNamedHeaders, isHopByHop, mayBeSpecialHeader } from './hop-by-hop-headers';

/**
 * The hygiene steps every client request goes through, in order, before the traffic director
 * is asked for a backend (the shape of node-http-proxy's `passes/`). Each does one job; the
 * first one that answers stops the request.
 */

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
export const buildUpstreamHeaders: RequestStep = (exchange: Exchange, env: StepEnvironment) => {
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

/** The order matters: cheap refusals first, then header work, then the path. */
export const REQUEST_STEPS: readonly RequestStep[] = [
  shedOverload,
  requireOriginFormTarget,
  rejectUnsupportedTransferEncoding,
  buildUpstreamHeaders,
  mapPath,
];

export function runRequestSteps(
  exchange: Exchange,
  env: StepEnvironment,
  steps: readonly RequestStep[] = REQUEST_STEPS,
): LocalAnswer | undefined {
  for (const step of steps) {
    const answer = step(exchange, env);
    if (answer !== undefined) return answer;
  }
  return undefined;
}
