import 'reflect-metadata'; // class-transformer's @Type reads design metadata
import { isAddressOrCidr } from '@osa/openstack-client';
import { plainToInstance, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsIP,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  ValidateBy,
  ValidateNested,
  ValidationError,
  ValidationOptions,
  buildMessage,
  validateSync,
} from 'class-validator';

/**
 * Settings of the data path (the proxy on :8000). Defaults sit inline; the control plane's
 * config assembly validates this class once at boot and provides the instance under
 * `PROXY_CONFIG`.
 */

/** Nest injection token for the validated `ProxyConfig` instance. */
export const PROXY_CONFIG = Symbol('PROXY_CONFIG');

/** An IPv4/IPv6 address, or a CIDR block of one (the client's ip-address module, on ipaddr.js). */
export { isAddressOrCidr };

function IsAddressOrCidr(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isAddressOrCidr',
      validator: {
        validate: (value) => isAddressOrCidr(value),
        defaultMessage: buildMessage(
          (each) =>
            `${each}$property must be an IP address or CIDR block (e.g. 10.0.0.0/8), got "$value"`,
          options,
        ),
      },
    },
    options,
  );
}

/** Cross-field check: this number must be >= (or >) another property of the same object. */
function IsAtLeastProperty(
  other: string,
  strict: boolean,
  options?: ValidationOptions,
): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isAtLeastProperty',
      constraints: [other],
      validator: {
        validate: (value, args) => {
          const otherValue = (args?.object as Record<string, unknown>)[other];
          if (typeof value !== 'number' || typeof otherValue !== 'number') return true; // other rules report types
          return strict ? value > otherValue : value >= otherValue;
        },
        defaultMessage: buildMessage(
          () =>
            `$property must be ${strict ? 'greater than' : 'at least'} ${other} ($constraint1), got $value`,
          options,
        ),
      },
    },
    options,
  );
}

/** `GET /` -> `/work` (seed section 16): an exact-path rewrite; the query string is kept. */
export class PathMapping {
  /** Request method this mapping applies to; omitted = any method. */
  @IsOptional()
  @IsIn(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])
  method?: string;

  /** Exact client path (without query string). */
  @IsString()
  @Matches(/^\/[^?#\s]*$/, {
    message: 'from must be an absolute path without query or spaces, e.g. "/"',
  })
  from!: string;

  /** Path sent to the backend instead. */
  @IsString()
  @Matches(/^\/[^?#\s]*$/, {
    message: 'to must be an absolute path without query or spaces, e.g. "/work"',
  })
  to!: string;
}

export class ProxyConfig {
  /** Address the data path listens on. */
  @IsIP()
  listenHost = '0.0.0.0';

  /** Port the data path listens on (0 = ephemeral, for tests). */
  @IsInt()
  @Min(0)
  @Max(65535)
  listenPort = 8000;

  /** No response head from the backend within this time -> 504. Also the body idle limit. */
  @IsInt()
  @Min(1)
  @Max(3_600_000)
  upstreamTimeoutMs = 30_000;

  /** TCP connect to a backend must finish within this time (counts as "nothing sent": retryable). */
  @IsInt()
  @Min(1)
  @Max(120_000)
  upstreamConnectTimeoutMs = 3_000;

  /** Exact-path rewrites applied before forwarding; the first match wins. */
  @IsArray()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => PathMapping)
  pathMappings: PathMapping[] = [
    Object.assign(new PathMapping(), { method: 'GET', from: '/', to: '/work' }),
  ];

  /**
   * Peers (load balancers in front of us) whose `X-Forwarded-*` headers we extend instead of
   * replace. Empty = trust nobody: a client can never lie to the backend about its address.
   */
  @IsArray()
  @ArrayMaxSize(1000)
  @IsAddressOrCidr({ each: true })
  trustedProxies: string[] = [];

  /** Client requests being served at once; past it, 503 + Retry-After (overload shedding). */
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  maxInFlight = 1_000;

  /** `Retry-After` seconds sent with an overload 503. */
  @IsInt()
  @Min(0)
  @Max(3600)
  overloadRetryAfterSeconds = 1;

  /** Upstream connections per backend (keep-alive agent `maxSockets`). */
  @IsInt()
  @Min(1)
  @Max(100_000)
  agentMaxSockets = 256;

  /**
   * Idle keep-alive connections kept per backend (`maxFreeSockets`). Equal to `agentMaxSockets`
   * by default: a lower cap closes every connection above it as soon as its answer is done, so a
   * backend with more requests in flight than the cap reconnects for most of them (bench/proxy at
   * 200 clients: 27% of requests on a new connection, 40% fewer req/s). Surplus idle connections
   * still close after `agentIdleTimeoutMs`.
   */
  @IsInt()
  @Min(0)
  @Max(100_000)
  agentMaxFreeSockets = 256;

  /**
   * Idle upstream keep-alive sockets are closed after this; keep it shorter than the backend's
   * own keep-alive timeout (Node's default is 5 s) so we never reuse a socket it is closing.
   */
  @IsInt()
  @Min(100)
  @Max(600_000)
  agentIdleTimeoutMs = 4_000;

  /** Node `server.headersTimeout`: slow-header (slowloris) clients are cut off after this. */
  @IsInt()
  @Min(1_000)
  @Max(600_000)
  headersTimeoutMs = 20_000;

  /** Node `server.requestTimeout`: the whole request (headers + body) must arrive within this. */
  @IsInt()
  @Min(1_000)
  @Max(3_600_000)
  @IsAtLeastProperty('headersTimeoutMs', false)
  requestTimeoutMs = 60_000;

  /**
   * Node `server.keepAliveTimeout`: idle client keep-alive connections are closed after this.
   * Above the idle timeout of a load balancer in front (AWS ALB: 60 s), so the LB closes first.
   */
  @IsInt()
  @Min(1_000)
  @Max(3_600_000)
  keepAliveTimeoutMs = 65_000;

  /** Node `server.maxHeadersCount`: more request headers than this are ignored by the parser. */
  @IsInt()
  @Min(10)
  @Max(1_000)
  maxHeadersCount = 100;

  /** On shutdown, in-flight requests get this long to finish before connections are cut. */
  @IsInt()
  @Min(0)
  @Max(600_000)
  shutdownDeadlineMs = 10_000;

  /**
   * A DELETE or OPTIONS with `Transfer-Encoding: chunked`: `forward` sends it to the backend
   * chunked, byte-for-byte framing unchanged (never rewritten to `Content-Length: 0`, the
   * http-proxy smuggling bug); `reject` answers 400.
   */
  @IsIn(['forward', 'reject'])
  chunkedDeleteOptions: 'forward' | 'reject' = 'forward';

  /**
   * `buffer` (default, like nginx's `proxy_request_buffering on`): a request body is read in
   * full before a backend is chosen, so a slow uploader (R-U-Dead-Yet) holds no upstream
   * connection, and a body can be replayed on a retry. `stream`: bodies are piped as they
   * arrive (large uploads), limited only by `maxRequestBodyBytes` on `Content-Length`.
   */
  @IsIn(['buffer', 'stream'])
  requestBuffering: 'buffer' | 'stream' = 'buffer';

  /** Larger request bodies get 413 (nginx's `client_max_body_size` default is 1 MiB too). */
  @IsInt()
  @Min(0)
  @Max(1_073_741_824)
  maxRequestBodyBytes = 1_048_576;
}

/** One bad field: where it is, what it held, what is allowed. */
export interface ProxyConfigProblem {
  readonly path: string;
  readonly value: unknown;
  readonly messages: readonly string[];
}

function collectProblems(
  errors: ValidationError[],
  prefix: string,
  out: ProxyConfigProblem[],
): void {
  for (const error of errors) {
    const path = prefix ? `${prefix}.${error.property}` : error.property;
    if (error.constraints)
      out.push({ path, value: error.value, messages: Object.values(error.constraints) });
    if (error.children?.length) collectProblems(error.children, path, out);
  }
}

/** Every problem of a ProxyConfig instance (empty when valid). */
export function proxyConfigProblems(config: ProxyConfig, pathPrefix = ''): ProxyConfigProblem[] {
  const problems: ProxyConfigProblem[] = [];
  collectProblems(validateSync(config, { forbidUnknownValues: true }), pathPrefix, problems);
  return problems;
}

/**
 * Build and validate a ProxyConfig from plain data (YAML/env section, or a test's overrides).
 * Throws one Error listing every bad field.
 */
export function proxyConfigFrom(plain: Record<string, unknown> = {}): ProxyConfig {
  const config = plainToInstance(ProxyConfig, plain);
  const known = new Set(Object.keys(new ProxyConfig()));
  const problems = proxyConfigProblems(config, 'proxy');
  for (const key of Object.keys(plain)) {
    if (!known.has(key)) {
      problems.push({
        path: `proxy.${key}`,
        value: plain[key],
        messages: [`unknown setting; allowed: ${[...known].join(', ')}`],
      });
    }
  }
  if (problems.length > 0) {
    const lines = problems.map(
      (p) => `  ${p.path} = ${JSON.stringify(p.value)}: ${p.messages.join('; ')}`,
    );
    throw new Error(`invalid proxy config:\n${lines.join('\n')}`);
  }
  return config;
}
