import * as http from 'node:http';
import { ArrivalWaiter } from './arrival-waiter';

export interface V1Reply<T = unknown> {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: T;
  readonly text: string;
}

/** One admin call on a fresh connection: JSON in (if any), JSON out (the raw text when not JSON). */
export function callJson<T = unknown>(
  admin: { host: string; port: number },
  method: string,
  path: string,
  options: {
    body?: unknown;
    token?: string;
    headers?: http.OutgoingHttpHeaders;
    timeoutMs?: number;
  } = {},
): Promise<V1Reply<T>> {
  const payload =
    options.body === undefined
      ? undefined
      : typeof options.body === 'string'
        ? options.body
        : JSON.stringify(options.body);
  const headers: http.OutgoingHttpHeaders = { ...options.headers };
  if (payload !== undefined)
    Object.assign(headers, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(payload),
    });
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const timeoutMs = options.timeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host: admin.host, port: admin.port, path, method, headers, agent: false },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // not JSON: keep the text
          }
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: body as T,
            text,
          });
        });
      },
    );
    request.setTimeout(timeoutMs, () =>
      request.destroy(new Error(`${method} ${path} timed out after ${timeoutMs} ms`)),
    );
    request.on('error', reject);
    request.end(payload);
  });
}

export interface StreamMessage {
  readonly type: string;
  readonly data: unknown;
}

/** A GET /v1/stream reader: collects the Server-Sent Events and lets a test wait for one. */
export class V1StreamReader {
  readonly messages: StreamMessage[] = [];
  private readonly request: http.ClientRequest;
  private readonly arrivals = new ArrivalWaiter();
  private pending = '';
  status = 0;

  constructor(admin: { host: string; port: number }, token?: string) {
    this.request = http.get(
      {
        host: admin.host,
        port: admin.port,
        path: '/v1/stream',
        agent: false,
        headers: token ? { authorization: `Bearer ${token}` } : {},
      },
      (response) => {
        this.status = response.statusCode ?? 0;
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => this.parse(chunk));
        response.on('error', () => undefined);
      },
    );
    this.request.on('error', () => undefined);
  }

  /** Resolves with the first message (from the start) that `match` accepts. */
  async waitFor(
    match: (message: StreamMessage) => boolean,
    timeoutMs: number,
    what: string,
  ): Promise<StreamMessage> {
    return this.arrivals.until(
      () => this.messages.find(match),
      timeoutMs,
      () =>
        `no stream message ${what} within ${timeoutMs} ms; got types: ${[...new Set(this.messages.map((m) => m.type))].join(', ')}`,
    );
  }

  close(): void {
    this.request.destroy();
  }

  private parse(chunk: string): void {
    const blocks = (this.pending + chunk).split('\n\n');
    this.pending = blocks.pop() ?? '';
    for (const block of blocks) {
      let type = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) type = line.slice(7);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
      }
      this.messages.push({ type, data: JSON.parse(data.join('\n')) });
    }
    this.arrivals.notify();
  }
}
