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

/** Lower-cased header names listed in a `Connection` value (`close, X-Foo` -> {close, x-foo}). */
export function connectionNamedHeaders(
  connection: string | string[] | undefined,
): Set<string> | undefined {
  if (connection === undefined) return undefined;
  const joined = Array.isArray(connection) ? connection.join(',') : connection;
  const names = new Set<string>();
  for (const token of joined.split(',')) {
    const name = token.trim().toLowerCase();
    if (name && !NEVER_CONNECTION_NAMED.has(name)) names.add(name);
  }
  return names.size > 0 ? names : undefined;
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
