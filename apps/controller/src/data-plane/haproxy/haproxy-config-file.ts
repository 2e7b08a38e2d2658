import { HaproxyDataPlaneConfig } from '../../config/data-plane.config';
import { ProxyConfig } from '../../config/proxy.config';
import { TrafficConfig } from '../../config/traffic.config';

/** Our names inside HAProxy (they appear in `show stat` and every Runtime API command). */
export const HAPROXY_FRONTEND = 'osa-clients';
export const HAPROXY_BACKEND = 'osa-instances';
/** The Lua action that holds a request while no instance is in rotation (`traffic.duringScaleOut: queue`). */
export const HOLD_ACTION = 'osa_hold_for_instance';
/** Lua actions that drop the headers a Connection header names (request, response). */
const STRIP_ACTIONS = {
  request: 'osa_strip_connection_named_request',
  response: 'osa_strip_connection_named_response',
} as const;
/** How often a held request looks again for an instance (ms). */
const HOLD_POLL_MS = 20;

/** Files the configuration refers to (all in the private runtime directory). */
export interface HaproxyFiles {
  readonly socketPath: string;
  /** The "503 while scaling" switch: a map the Runtime API edits (`closed`, `reason`, `retry-after`). */
  readonly gateMapPath: string;
  /** The hold action for queue mode. */
  readonly luaPath: string;
}

export interface HaproxyConfigInputs {
  readonly haproxy: HaproxyDataPlaneConfig;
  readonly proxy: ProxyConfig;
  readonly traffic: TrafficConfig;
  /** `Retry-After` with the 503 sent when no instance can serve. */
  readonly retryAfterSeconds: number;
  /** Server slots declared in the backend (see SERVER_SLOT_PREFIX). */
  readonly serverSlots: number;
  readonly files: HaproxyFiles;
}

/** Gate map keys (see HaproxyFiles.gateMapPath). */
export const GATE_KEYS = { closed: 'closed', reason: 'reason', retryAfter: 'retry-after' } as const;

/**
 * haproxy.cfg, written once per start and never edited afterwards: servers, their states and
 * weights, and the 503-while-scaling switch all change through the Runtime API. Every setting the
 * built-in proxy has an equivalent for is taken from the same `proxy` / `traffic` keys
 * (docs/data-plane-haproxy.md has the mapping and what has none).
 */
export function renderHaproxyConfig(inputs: HaproxyConfigInputs): string {
  const { haproxy, proxy, traffic, files } = inputs;
  const queueMode = traffic.duringScaleOut === 'queue';
  // Inside a sample expression a path cannot be quoted; runtimeDir/socketPath are limited to safe characters.
  const gateMap = files.gateMapPath;
  const lines: string[] = [
    '# Written by the openstack-autoscaler controller at start-up; from then on changed only through',
    '# the Runtime API (servers, their state and weight, the 503-while-scaling switch). Do not edit.',
    'global',
    // One thread, like nginx with one worker: the cheapest per request on a small shared host.
    '  nbthread 1',
    `  maxconn ${haproxy.maxconn}`,
    `  stats socket ${quote(files.socketPath)} mode 600 level admin`,
    `  stats timeout ${haproxy.runtimeApiTimeoutMs}ms`,
    // A soft stop (SIGUSR1) lets requests in flight finish, at most this long.
    `  hard-stop-after ${Math.max(1, proxy.shutdownDeadlineMs)}ms`,
    `  lua-load ${quote(files.luaPath)}`,
    '',
    'defaults',
    '  mode http',
    `  timeout connect ${proxy.upstreamConnectTimeoutMs}ms`,
    `  timeout server ${proxy.upstreamTimeoutMs}ms`,
    `  timeout client ${haproxy.clientTimeoutMs}ms`,
    `  timeout http-request ${proxy.headersTimeoutMs}ms`,
    `  timeout http-keep-alive ${proxy.keepAliveTimeoutMs}ms`,
    `  timeout queue ${traffic.queueMaxWaitMs}ms`,
    // requestBuffering buffer: wait for the body (up to HAProxy's buffer) within timeout http-request, before a server is chosen.
    ...(proxy.requestBuffering === 'buffer' ? ['  option http-buffer-request'] : []),
    // The built-in proxy's one retry on another instance after a connect that provably sent nothing.
    '  retries 1',
    '  option redispatch 1',
    '',
    `frontend ${HAPROXY_FRONTEND}`,
    `  bind ${bindAddress(proxy.listenHost, proxy.listenPort)}`,
    `  maxconn ${haproxy.maxconn}`,
    '  # 503 + Retry-After while scaling (traffic.duringScaleOut: reject): the controller fills the gate map.',
    `  http-request return status 503 content-type "text/plain; charset=utf-8" lf-string "%[str(${GATE_KEYS.reason}),map(${gateMap})]" hdr Retry-After "%[str(${GATE_KEYS.retryAfter}),map(${gateMap})]" if { str(${GATE_KEYS.closed}),map(${gateMap},no) -m str yes }`,
    ...(proxy.maxRequestBodyBytes > 0
      ? [
          `  http-request deny deny_status 413 if { req.hdr_cnt(content-length) gt 0 } { req.hdr_val(content-length) gt ${proxy.maxRequestBodyBytes} }`,
        ]
      : []),
    ...(proxy.chunkedDeleteOptions === 'reject'
      ? [
          '  http-request deny deny_status 400 if { method DELETE OPTIONS } { req.hdr(transfer-encoding) -m found }',
        ]
      : []),
    ...hopByHopRules(),
    ...forwardedHeaderRules(proxy.trustedProxies),
    ...pathMappingRules(proxy),
    `  default_backend ${HAPROXY_BACKEND}`,
    '',
    `backend ${HAPROXY_BACKEND}`,
    `  balance ${balanceAlgorithm(traffic)}`,
    // Empty slots in maintenance; the Runtime API gives each instance one (set server addr / state).
    `  server-template ${SERVER_SLOT_PREFIX} 1-${inputs.serverSlots} 0.0.0.0:0 disabled ${serverOptions(haproxy)}`.trimEnd(),
    `  http-error status 503 content-type "text/plain; charset=utf-8" string "no healthy backend is available yet, retry shortly" hdr Retry-After ${inputs.retryAfterSeconds}`,
    ...(queueMode
      ? [
          `  http-request lua.${HOLD_ACTION} ${HAPROXY_BACKEND} ${traffic.queueMaxWaitMs} ${traffic.queueMaxRequests}`,
        ]
      : []),
    // HAProxy's queue (instances at serverMaxconn) holds at most queueMaxRequests, each up to queueMaxWaitMs (timeout queue).
    `  http-request return status 503 content-type "text/plain; charset=utf-8" string "request queue full, retry shortly" hdr Retry-After ${inputs.retryAfterSeconds} if { queue(${HAPROXY_BACKEND}) ge ${traffic.queueMaxRequests} }`,
    '',
  ];
  return lines.join('\n');
}

/**
 * Server slots, not `add server`: HAProxy 2.6 does not reuse backend connections for a server
 * added through the Runtime API (`show stat`: connect = requests, reuse 0; 1 460 req/s against
 * 7 912 for the same server declared in the file, -c64), so every request would open a new
 * connection to the instance. Servers declared by `server-template` and pointed at an instance
 * with `set server ... addr` keep their idle connections (reuse 15 378 of 15 442).
 */
export const SERVER_SLOT_PREFIX = 'slot';

/** Options of every server slot: requests one instance is sent at once (0 = no limit). */
export function serverOptions(haproxy: HaproxyDataPlaneConfig): string {
  return haproxy.serverMaxconn > 0 ? `maxconn ${haproxy.serverMaxconn}` : '';
}

/**
 * The Lua actions the configuration loads (always, for the Connection-named headers; the hold is
 * used only in queue mode). `traffic.duringScaleOut: queue` while no instance is in rotation: hold the request (polling
 * `nbsrv`) until one is, for at most `queueMaxWaitMs`, at most `queueMaxRequests` held at once;
 * past either it goes on and gets the backend's 503 + Retry-After. One Lua state (`lua-load`) and
 * one thread, so the `waiting` count is shared by every request.
 */
export function renderLuaActions(): string {
  return `-- Written by the openstack-autoscaler controller. Do not edit.
-- Headers named by Connection are hop-by-hop (RFC 9110 7.6.1): dropped, the Connection header with them.
local plain = { ["keep-alive"] = true, ["close"] = true, ["upgrade"] = true }
local function strip(get_headers, del_header)
  local connection = get_headers()["connection"]
  if connection == nil then return end
  for _, value in pairs(connection) do
    for token in string.gmatch(value, "[^,%s]+") do
      if not plain[string.lower(token)] then del_header(token) end
    end
  end
end
core.register_action("${STRIP_ACTIONS.request}", { "http-req" }, function(txn)
  strip(function() return txn.http:req_get_headers() end, function(name) txn.http:req_del_header(name) end)
  txn.http:req_del_header("connection")
end, 0)
core.register_action("${STRIP_ACTIONS.response}", { "http-res" }, function(txn)
  strip(function() return txn.http:res_get_headers() end, function(name) txn.http:res_del_header(name) end)
  txn.http:res_del_header("connection")
end, 0)

-- traffic.duringScaleOut: queue.
local waiting = 0
core.register_action("${HOLD_ACTION}", { "http-req" }, function(txn, backend, max_wait_ms, max_waiting)
  if txn.f:nbsrv(backend) > 0 or waiting >= tonumber(max_waiting) then return end
  waiting = waiting + 1
  local ok = pcall(function()
    local waited = 0
    local limit = tonumber(max_wait_ms)
    while waited < limit and txn.f:nbsrv(backend) == 0 do
      core.msleep(${HOLD_POLL_MS})
      waited = waited + ${HOLD_POLL_MS}
    end
  end)
  waiting = waiting - 1
end, 3)
`;
}

/** The map file's content for a gate state (written before each start; edited through the API after). */
export function renderGateMap(
  answer: { retryAfterSeconds: number; reason: string } | undefined,
): string {
  if (!answer) return '';
  return `${GATE_KEYS.reason} ${mapValue(answer.reason)}\n${GATE_KEYS.retryAfter} ${answer.retryAfterSeconds}\n${GATE_KEYS.closed} yes\n`;
}

/** A map value on one line (a map file ends a value at the line end; the Runtime API a command at `;`). */
export function mapValue(text: string): string {
  return text.replace(/[\r\n;]+/g, ' ').trim() || '-';
}

function balanceAlgorithm(traffic: TrafficConfig): string {
  // switch: only the active instance is `ready`, the others are in maint; `first` then simply takes it.
  if (traffic.mode === 'switch') return 'first';
  return traffic.balancing === 'round-robin' ? 'roundrobin' : 'leastconn';
}

/** A Connection header naming only what HTTP/1.1 itself means there (no header to strip). */
/** Single-quoted: HAProxy then reads backslashes and `$` literally. */
const PLAIN_CONNECTION = String.raw`'^\s*(keep-alive|close|upgrade)(\s*,\s*(keep-alive|close|upgrade))*\s*$'`;

/**
 * The built-in proxy's hygiene where HAProxy does not do it itself (hygiene rows in
 * docs/data-plane-haproxy.md): hop-by-hop headers stay on their hop in both directions (RFC 9110
 * 7.6.1), including the ones a Connection header names (a Lua action, run only when Connection
 * names something else than keep-alive/close/upgrade); Trailer is dropped. (A Transfer-Encoding
 * other than `chunked` HAProxy's parser refuses by itself, with 422.)
 */
function hopByHopRules(): string[] {
  const websocket = '{ req.hdr(upgrade) -m str -i websocket }';
  return [
    `  http-request lua.${STRIP_ACTIONS.request} if { req.fhdr(connection) -m found } !{ req.fhdr(connection) -m reg -i ${PLAIN_CONNECTION} }`,
    ...['Keep-Alive', 'Proxy-Connection', 'TE', 'Proxy-Authorization', 'Trailer'].map(
      (name) => `  http-request del-header ${name}`,
    ),
    `  http-request del-header Upgrade if !${websocket}`,
    `  http-response lua.${STRIP_ACTIONS.response} if { res.fhdr(connection) -m found } !{ res.fhdr(connection) -m reg -i ${PLAIN_CONNECTION} }`,
    ...['Keep-Alive', 'Proxy-Connection', 'Proxy-Authenticate', 'Trailer'].map(
      (name) => `  http-response del-header ${name}`,
    ),
    '  http-response del-header Upgrade if !{ status 101 }',
  ];
}

/**
 * The built-in proxy's rule: from a peer not in `trustedProxies`, X-Forwarded-For is replaced by
 * the peer address, -Proto is http, -Host is the Host, Forwarded and X-Real-IP are dropped; from a
 * trusted peer the chain is extended and -Proto/-Host are kept.
 */
function forwardedHeaderRules(trusted: readonly string[]): string[] {
  const when = (condition: string): string =>
    trusted.length > 0 ? ` if !osa_trusted_peer${condition}` : condition ? ` if${condition}` : '';
  return [
    ...(trusted.length > 0 ? [`  acl osa_trusted_peer src ${trusted.join(' ')}`] : []),
    `  http-request del-header X-Forwarded-For${when('')}`,
    `  http-request del-header Forwarded${when('')}`,
    `  http-request del-header X-Real-IP${when('')}`,
    `  http-request set-header X-Forwarded-Proto http${when('')}`,
    `  http-request set-header X-Forwarded-Host %[req.hdr(host)]${when(' { req.hdr(host) -m found }')}`,
    // Appends the peer address: to nothing (untrusted, deleted above) or to the trusted chain.
    '  option forwardfor',
  ];
}

/** Exact-path rewrites, the first match wins (the query string is kept: set-path leaves it). */
function pathMappingRules(proxy: ProxyConfig): string[] {
  const rules: string[] = [];
  proxy.pathMappings.forEach((mapping, index) => {
    const method = mapping.method ? ` { method ${mapping.method} }` : '';
    rules.push(
      `  http-request set-var(txn.osa_mapping) int(${index}) if !{ var(txn.osa_mapping) -m found }${method} { path ${quote(mapping.from)} }`,
    );
  });
  proxy.pathMappings.forEach((mapping, index) => {
    rules.push(
      `  http-request set-path ${quote(mapping.to)} if { var(txn.osa_mapping) -m int ${index} }`,
    );
  });
  return rules;
}

function bindAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** One configuration word: double-quoted, with `\`, `"` and `$` (environment expansion) escaped. */
export function quote(value: string): string {
  return `"${value.replace(/[\\"$]/g, (character) => `\\${character}`)}"`;
}
