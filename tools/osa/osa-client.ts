import * as http from 'node:http';
import * as https from 'node:https';
import { RefusedError, UnreachableError, UsageError } from './osa-errors';

/** Default: the admin listener's default address. */
export const DEFAULT_URL = 'http://127.0.0.1:8001';
const REQUEST_TIMEOUT_MS = 15_000;

export interface StreamMessage {
  readonly type: string;
  readonly data: unknown;
}

/**
 * The v1 admin API over node:http. The bearer token comes only from OSA_ADMIN_TOKEN (an
 * argument would show in `ps`), and is never part of any message this client prints.
 */
export class OsaClient {
  private readonly base: URL;

  constructor(
    url: string,
    private readonly token: string | undefined,
  ) {
    try {
      this.base = new URL(url);
    } catch {
      throw new UsageError(
        `--url / OSA_URL = ${JSON.stringify(url)}: not a URL (e.g. ${DEFAULT_URL})`,
      );
    }
    if (this.base.protocol !== 'http:' && this.base.protocol !== 'https:') {
      throw new UsageError(
        `--url / OSA_URL = ${JSON.stringify(url)}: must start with http:// or https://`,
      );
    }
  }

  get url(): string {
    return this.base.origin;
  }

  get<T>(path: string): Promise<T> {
    return this.call<T>('GET', path);
  }

  put<T>(path: string, body: unknown): Promise<T> {
    return this.call<T>('PUT', path, body);
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.call<T>('POST', path, body);
  }

  delete<T>(path: string): Promise<T> {
    return this.call<T>('DELETE', path);
  }

  /**
   * Reads GET /v1/stream until `signal` or the controller ends it; calls `onMessage` per
   * Server-Sent Event. Rejects with an UnreachableError when nothing at all arrives for
   * `idleTimeoutMs` (0: no limit): a stalled connection must not hang a script for ever.
   */
  stream(
    onMessage: (message: StreamMessage) => void,
    signal: AbortSignal,
    idleTimeoutMs = 0,
  ): Promise<void> {
    return new Promise((resolve, reject) => {
      const request = this.request('GET', '/v1/stream', undefined, signal);
      let idle: UnreachableError | undefined;
      // The socket's inactivity timer: reset by every byte received (the controller sends a sample each second).
      if (idleTimeoutMs > 0)
        request.setTimeout(idleTimeoutMs, () => {
          idle = new UnreachableError(
            `the event stream from ${this.url} was silent for ${idleTimeoutMs / 1000}s (--idle-timeout): the controller or the connection is stalled`,
          );
          request.destroy(idle);
          reject(idle);
        });
      request.on('response', (response) => {
        if ((response.statusCode ?? 0) >= 400) {
          readAll(response).then((text) => reject(refusal(response.statusCode ?? 0, text)), reject);
          return;
        }
        let pending = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          const blocks = (pending + chunk).split('\n\n');
          pending = blocks.pop() ?? '';
          for (const block of blocks) {
            const message = parseEvent(block);
            if (message) onMessage(message);
          }
        });
        response.on('end', () => resolve());
        response.on('error', (error) =>
          signal.aborted || idle
            ? resolve()
            : reject(new UnreachableError(`the stream broke: ${error.message}`)),
        );
      });
      request.on('error', (error) =>
        signal.aborted || idle ? resolve() : reject(this.unreachable(error)),
      );
      request.end();
    });
  }

  private call<T>(method: string, path: string, body?: unknown): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const request = this.request(method, path, payload);
      request.setTimeout(REQUEST_TIMEOUT_MS, () =>
        request.destroy(
          new UnreachableError(
            `${method} ${path}: no answer from ${this.url} within ${REQUEST_TIMEOUT_MS / 1000}s`,
          ),
        ),
      );
      request.on('response', (response) => {
        readAll(response).then((text) => {
          const status = response.statusCode ?? 0;
          if (status >= 400) return reject(refusal(status, text));
          try {
            resolve(JSON.parse(text) as T);
          } catch {
            reject(
              new UnreachableError(
                `${method} ${path}: ${this.url} did not answer JSON (is it the controller's admin listener?)`,
              ),
            );
          }
        }, reject);
      });
      request.on('error', (error) =>
        reject(error instanceof UnreachableError ? error : this.unreachable(error)),
      );
      request.end(payload);
    });
  }

  private request(
    method: string,
    path: string,
    payload: string | undefined,
    signal?: AbortSignal,
  ): http.ClientRequest {
    const headers: http.OutgoingHttpHeaders = {
      accept: path === '/v1/stream' ? 'text/event-stream' : 'application/json',
    };
    if (payload !== undefined)
      Object.assign(headers, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(payload),
      });
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    const target = new URL(path, this.base);
    const transport = target.protocol === 'https:' ? https : http;
    return transport.request(target, { method, headers, signal });
  }

  private unreachable(error: Error & { code?: string }): UnreachableError {
    return new UnreachableError(
      `cannot reach the controller at ${this.url}: ${error.code ?? error.message} (set --url or OSA_URL)`,
    );
  }
}

function readAll(response: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    response.on('error', reject);
  });
}

/** The controller's reason in one line: its `message` (joined when a list), else the status. */
function refusal(status: number, text: string): RefusedError {
  let reason = text.trim().split('\n')[0] || `HTTP ${status}`;
  try {
    const body = JSON.parse(text) as { message?: string | string[] };
    if (body.message !== undefined) reason = [body.message].flat().join('; ');
  } catch {
    // not JSON: the first line of the text
  }
  const hint = status === 401 ? ' (set OSA_ADMIN_TOKEN to the admin.bearerToken)' : '';
  return new RefusedError(status, `the controller refused (HTTP ${status}): ${reason}${hint}`);
}

function parseEvent(block: string): StreamMessage | undefined {
  let type = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('event:')) type = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
  }
  if (data.length === 0) return undefined;
  try {
    return { type, data: JSON.parse(data.join('\n')) };
  } catch {
    return undefined;
  }
}
