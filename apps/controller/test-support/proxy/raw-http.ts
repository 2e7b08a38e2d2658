import { connect } from 'node:net';
import type { Socket } from 'node:net';

/**
 * Raw HTTP over a `net` socket: the bytes are exactly what the test wrote, so framing and
 * header tricks reach the proxy unmodified (no client library normalises them).
 */
export interface RawExchangeOptions {
  /** Source address for the client socket (so the test knows the peer address). */
  readonly localAddress?: string;
  /** Stop reading this long after the last byte (when the peer keeps the connection open). */
  readonly idleMs?: number;
  readonly timeoutMs?: number;
  /** Destroy the socket after this many response bytes (client abort mid-body). */
  readonly abortAfterBytes?: number;
}

export interface RawExchangeResult {
  readonly bytes: Buffer;
  readonly text: string;
  /** The peer closed the connection (vs. we stopped reading). */
  readonly closedByPeer: boolean;
}

export function rawExchange(
  host: string,
  port: number,
  request: string | Buffer | Array<string | Buffer>,
  options: RawExchangeOptions = {},
): Promise<RawExchangeResult> {
  const idleMs = options.idleMs ?? 300;
  const timeoutMs = options.timeoutMs ?? 5_000;
  return new Promise((resolve, reject) => {
    const socket: Socket = connect({ host, port, localAddress: options.localAddress });
    const chunks: Buffer[] = [];
    let received = 0;
    let idleTimer: NodeJS.Timeout | undefined;
    let settled = false;
    const done = (closedByPeer: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(idleTimer);
      clearTimeout(overall);
      socket.destroy();
      const bytes = Buffer.concat(chunks);
      resolve({ bytes, text: bytes.toString('latin1'), closedByPeer });
    };
    const overall = setTimeout(() => done(false), timeoutMs);
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNRESET' || error.code === 'EPIPE') done(true);
      else if (!settled) {
        settled = true;
        clearTimeout(overall);
        reject(error);
      }
    });
    socket.on('connect', () => {
      for (const part of Array.isArray(request) ? request : [request]) socket.write(part);
    });
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      if (options.abortAfterBytes !== undefined && received >= options.abortAfterBytes) {
        done(false);
        return;
      }
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => done(false), idleMs);
    });
    socket.on('close', () => done(true));
  });
}

export interface ParsedResponse {
  readonly status: number;
  /** Header names as sent, in order. */
  readonly rawHeaders: ReadonlyArray<readonly [string, string]>;
  readonly body: string;
  /** The body ended as its framing said (vs. cut short). */
  readonly complete: boolean;
}

/** Lower-cased value of one header (joined with ', ' when repeated), or undefined. */
export function headerOf(response: ParsedResponse, name: string): string | undefined {
  const values = response.rawHeaders
    .filter(([n]) => n.toLowerCase() === name.toLowerCase())
    .map(([, v]) => v);
  return values.length > 0 ? values.join(', ') : undefined;
}

/** Every HTTP/1.x response in a byte stream (Content-Length, chunked or close-delimited). */
export function parseResponses(text: string): ParsedResponse[] {
  const responses: ParsedResponse[] = [];
  let rest = text;
  while (rest.startsWith('HTTP/1.')) {
    const headEnd = rest.indexOf('\r\n\r\n');
    if (headEnd < 0) break;
    const [statusLine, ...headerLines] = rest.slice(0, headEnd).split('\r\n');
    const status = Number(statusLine.split(' ')[1]);
    const rawHeaders = headerLines.map((line) => {
      const colon = line.indexOf(':');
      return [line.slice(0, colon), line.slice(colon + 1).trim()] as const;
    });
    const partial: ParsedResponse = { status, rawHeaders, body: '', complete: false };
    rest = rest.slice(headEnd + 4);
    const length = headerOf(partial, 'content-length');
    const chunked = headerOf(partial, 'transfer-encoding')?.toLowerCase() === 'chunked';
    if (status === 101 || status === 204 || status === 304 || (status >= 100 && status < 200)) {
      responses.push({ ...partial, complete: true });
    } else if (length !== undefined) {
      const n = Number(length);
      responses.push({ ...partial, body: rest.slice(0, n), complete: rest.length >= n });
      rest = rest.slice(n);
    } else if (chunked) {
      let body = '';
      let complete = false;
      for (;;) {
        const lineEnd = rest.indexOf('\r\n');
        if (lineEnd < 0) break;
        const size = parseInt(rest.slice(0, lineEnd), 16);
        if (Number.isNaN(size)) break;
        if (size === 0) {
          const trailerEnd = rest.indexOf('\r\n\r\n', lineEnd - 2);
          complete = trailerEnd >= 0;
          rest = complete ? rest.slice(trailerEnd + 4) : '';
          break;
        }
        if (rest.length < lineEnd + 2 + size + 2) {
          body += rest.slice(lineEnd + 2);
          rest = '';
          break;
        }
        body += rest.slice(lineEnd + 2, lineEnd + 2 + size);
        rest = rest.slice(lineEnd + 2 + size + 2);
      }
      responses.push({ ...partial, body, complete });
    } else {
      responses.push({ ...partial, body: rest, complete: true });
      rest = '';
    }
  }
  return responses;
}
