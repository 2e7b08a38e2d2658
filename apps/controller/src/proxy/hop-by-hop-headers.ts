/**
 * Hop-by-hop header handling (RFC 9110 §7.6.1): these headers describe one connection, never
 * the message, so a proxy must not forward them, nor any header the `Connection` header names.
 */

/** Stripped in both directions. `Upgrade` is re-added only for a WebSocket tunnel. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'upgrade',
  'proxy-authenticate',
  'proxy-authorization',
]);

/**
 * Never removed because `Connection` names them: dropping a framing header on a peer's say-so
 * would change how the next hop reads the body (smuggling), and Host routes the request.
 */
const NEVER_CONNECTION_NAMED = new Set(['content-length', 'transfer-encoding', 'host']);

/**
 * Lengths of every name that is hop-by-hop or that the proxy treats specially in either
 * direction. A name of any other length is none of them: it is forwarded without being
 * lower-cased (no string allocated per header), unless `Connection` names extra headers.
 */
const SPECIAL_NAME_LENGTHS = new Set(
  [
    ...HOP_BY_HOP,
    'transfer-encoding',
    'host',
    'x-forwarded-for',
    'x-forwarded-proto',
    'x-forwarded-host',
    'forwarded',
    'x-real-ip',
  ].map((name) => name.length),
);

/** False when `name` is certainly neither hop-by-hop nor specially treated (see above). */
export function mayBeSpecialHeader(name: string): boolean {
  return SPECIAL_NAME_LENGTHS.has(name.length);
}

/**
 * Lower-cased header names listed in a `Connection` value (`close, X-Foo` -> {close, x-foo}),
 * beyond the fixed hop-by-hop set (always stripped anyway): the usual `keep-alive` names nothing
 * more and allocates nothing.
 */
export function connectionNamedHeaders(
  connection: string | string[] | undefined,
): Set<string> | undefined {
  if (connection === undefined || connection === 'keep-alive' || connection === 'Keep-Alive')
    return undefined;
  const joined = Array.isArray(connection) ? connection.join(',') : connection;
  let names: Set<string> | undefined;
  for (const token of joined.split(',')) {
    const name = token.trim().toLowerCase();
    if (name && !NEVER_CONNECTION_NAMED.has(name) && !HOP_BY_HOP.has(name)) {
      names ??= new Set<string>();
      names.add(name);
    }
  }
  return names;
}

/** True when `lowerName` must not cross the proxy (hop-by-hop or named by `Connection`). */
export function isHopByHop(lowerName: string, connectionNamed: Set<string> | undefined): boolean {
  return (
    HOP_BY_HOP.has(lowerName) || (connectionNamed !== undefined && connectionNamed.has(lowerName))
  );
}

/** Connection value named inside a flat raw-headers list (`[name, value, name, value, ...]`). */
export function rawConnectionValue(rawHeaders: readonly string[]): string | undefined {
  let value: string | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (rawHeaders[i].length === 10 && rawHeaders[i].toLowerCase() === 'connection') {
      value = value === undefined ? rawHeaders[i + 1] : `${value},${rawHeaders[i + 1]}`;
    }
  }
  return value;
}

/**
 * Response headers to send to the client: the upstream's raw headers minus hop-by-hop ones,
 * minus `Transfer-Encoding` (Node's server frames the body for this client itself: chunked for
 * HTTP/1.1, close-delimited for HTTP/1.0; `Content-Length` is kept when the backend sent one).
 * `keepUpgrade` keeps `Connection: upgrade` + `Upgrade` for a 101 WebSocket answer.
 */
export function responseHeadersForClient(
  rawHeaders: readonly string[],
  keepUpgrade = false,
): string[] {
  const named = connectionNamedHeaders(rawConnectionValue(rawHeaders));
  const out: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (named === undefined && !mayBeSpecialHeader(rawHeaders[i])) {
      out.push(rawHeaders[i], rawHeaders[i + 1]);
      continue;
    }
    const lower = rawHeaders[i].toLowerCase();
    if (lower === 'transfer-encoding') continue;
    if (isHopByHop(lower, named)) {
      if (keepUpgrade && lower === 'upgrade') out.push(rawHeaders[i], rawHeaders[i + 1]);
      continue;
    }
    out.push(rawHeaders[i], rawHeaders[i + 1]);
  }
  if (keepUpgrade) out.push('Connection', 'Upgrade');
  return out;
}
