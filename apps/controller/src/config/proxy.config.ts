import 'reflect-metadata'; // class-transformer's @Type reads design metadata
import { availableParallelism } from 'node:os';
import { isAddressOrCidr } from '@osa/openstack-client';
import { Type } from 'class-transformer';
import { ValidateIf, ValidateNested } from 'class-validator';
import {
  Allowed,
  DurationMs,
  IntegerIn,
  IpAddress,
  ListOf,
  NotLessThan,
  OneOf,
  TextMatching,
} from './config-rules';

/**
 * Settings of the data path (the proxy on :8000). Defaults sit inline; the control plane's
 * config assembly validates this class once at boot and provides the instance under
 * `PROXY_CONFIG`.
 */

/** Nest injection token for the validated `ProxyConfig` instance. */
export const PROXY_CONFIG = Symbol('PROXY_CONFIG');

/** An IPv4/IPv6 address, or a CIDR block of one (the client's ip-address module, on ipaddr.js). */
export { isAddressOrCidr };

const EXACT_PATH = /^\/[^?#\s]*$/;

/** `GET /` -> `/work` (seed section 16): an exact-path rewrite; the query string is kept. */
export class PathMapping {
  /** Request method this mapping applies to; omitted = any method. */
  @ValidateIf((_mapping: object, value: unknown) => value !== undefined)
  @OneOf(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])
  method?: string;

  /** Exact client path (without query string). */
  @TextMatching(EXACT_PATH, 'an absolute path without query or spaces, e.g. "/"')
  from!: string;

  /** Path sent to the backend instead. */
  @TextMatching(EXACT_PATH, 'an absolute path without query or spaces, e.g. "/work"')
  to!: string;
}

export class ProxyConfig {
  /** Address the data path listens on. */
  @IpAddress()
  listenHost = '0.0.0.0';

  /** Port the data path listens on (0 = ephemeral, for tests). */
  @IntegerIn(0, 65535)
  listenPort = 8000;

  /** No response head from the backend within this time -> 504. Also the body idle limit. */
  @DurationMs(1, 3_600_000)
  upstreamTimeoutMs = 30_000;

  /** TCP connect to a backend must finish within this time (counts as "nothing sent": retryable). */
  @DurationMs(1, 120_000)
  upstreamConnectTimeoutMs = 3_000;

  /** Exact-path rewrites applied before forwarding; the first match wins. */
  @Allowed(
    'a list of at most 100 mappings ({ method?, from, to })',
    (value) => Array.isArray(value) && value.length <= 100,
  )
  @ValidateNested({ each: true })
  @Type(() => PathMapping)
  pathMappings: PathMapping[] = [
    Object.assign(new PathMapping(), { method: 'GET', from: '/', to: '/work' }),
  ];

  /**
   * Peers (load balancers in front of us) whose `X-Forwarded-*` headers we extend instead of
   * replace. Empty = trust nobody: a client can never lie to the backend about its address.
   */
  @ListOf(
    'IP addresses or CIDR blocks (e.g. 10.0.0.0/8, 192.0.2.7, fd00::/8)',
    isAddressOrCidr,
    1000,
  )
  trustedProxies: string[] = [];

  /** Client requests being served at once; past it, 503 + Retry-After (overload shedding). */
  @IntegerIn(1, 1_000_000)
  maxInFlight = 1_000;

  /** `Retry-After` seconds sent with an overload 503. */
  @IntegerIn(0, 3600)
  overloadRetryAfterSeconds = 1;

  /** Upstream connections per backend (keep-alive agent `maxSockets`). */
  @IntegerIn(1, 100_000)
  agentMaxSockets = 256;

  /**
   * Idle keep-alive connections kept per backend (`maxFreeSockets`). Equal to `agentMaxSockets`
   * by default: a lower cap closes every connection above it as soon as its answer is done, so a
   * backend with more requests in flight than the cap reconnects for most of them (bench/proxy at
   * 200 clients: 27% of requests on a new connection, 40% fewer req/s). Surplus idle connections
   * still close after `agentIdleTimeoutMs`.
   */
  @IntegerIn(0, 100_000)
  agentMaxFreeSockets = 256;

  /**
   * Idle upstream keep-alive sockets are closed after this; keep it shorter than the backend's
   * own keep-alive timeout (Node's default is 5 s) so we never reuse a socket it is closing.
   */
  @DurationMs(100, 600_000)
  agentIdleTimeoutMs = 4_000;

  /** Node `server.headersTimeout`: slow-header (slowloris) clients are cut off after this. */
  @DurationMs(1_000, 600_000)
  headersTimeoutMs = 20_000;

  /** Node `server.requestTimeout`: the whole request (headers + body) must arrive within this. */
  @DurationMs(1_000, 3_600_000)
  @NotLessThan('headersTimeoutMs')
  requestTimeoutMs = 60_000;

  /**
   * Node `server.keepAliveTimeout`: idle client keep-alive connections are closed after this.
   * Above the idle timeout of a load balancer in front (AWS ALB: 60 s), so the LB closes first.
   */
  @DurationMs(1_000, 3_600_000)
  keepAliveTimeoutMs = 65_000;

  /** Node `server.maxHeadersCount`: more request headers than this are ignored by the parser. */
  @IntegerIn(10, 1_000)
  maxHeadersCount = 100;

  /** On shutdown, in-flight requests get this long to finish before connections are cut. */
  @DurationMs(0, 600_000)
  shutdownDeadlineMs = 10_000;

  /**
   * A DELETE or OPTIONS with `Transfer-Encoding: chunked`: `forward` sends it to the backend
   * chunked, byte-for-byte framing unchanged (never rewritten to `Content-Length: 0`, the
   * http-proxy smuggling bug); `reject` answers 400.
   */
  @OneOf(['forward', 'reject'])
  chunkedDeleteOptions: 'forward' | 'reject' = 'forward';

  /**
   * `buffer` (default, like nginx's `proxy_request_buffering on`): a request body is read in
   * full before a backend is chosen, so a slow uploader (R-U-Dead-Yet) holds no upstream
   * connection, and a body can be replayed on a retry. `stream`: bodies are piped as they
   * arrive (large uploads), limited only by `maxRequestBodyBytes` on `Content-Length`.
   */
  @OneOf(['buffer', 'stream'])
  requestBuffering: 'buffer' | 'stream' = 'buffer';

  /** Larger request bodies get 413 (nginx's `client_max_body_size` default is 1 MiB too). */
  @IntegerIn(0, 1_073_741_824)
  maxRequestBodyBytes = 1_048_576;

  /**
   * Processes serving the proxy port (node:cluster workers; proxy/README.md, "Workers"). 1 (default):
   * the data path runs in the controller process. More: each worker serves the same port and
   * asks the controller (one consistent control plane) for every admission.
   */
  @IntegerIn(1, availableParallelism(), "this machine's CPU count")
  workers = 1;
}
