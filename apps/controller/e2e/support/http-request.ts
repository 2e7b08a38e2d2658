import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { Agent, Dispatcher, request } from 'undici';

export interface HttpReply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface HttpRequestOptions {
  readonly headers?: OutgoingHttpHeaders;
  readonly body?: string;
  readonly timeoutMs?: number;
  /** A keep-alive pool shared by several requests (load clients); default: a fresh connection. */
  readonly dispatcher?: Dispatcher;
}

/**
 * The e2e tests' one HTTP client, on undici: any method and headers, the whole body, bounded in
 * time. Without a `dispatcher` each request gets a fresh connection that is closed after the
 * answer, like curl, so no idle keep-alive socket of the test outlives it (a controller stopping
 * under test then sees only its own traffic). Raw-socket tests stay on `net`.
 */
export async function httpRequest(
  host: string,
  port: number,
  method: string,
  path: string,
  options: HttpRequestOptions = {},
): Promise<HttpReply> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const ownConnection = options.dispatcher
    ? undefined
    : new Agent({ connections: 1, pipelining: 0 });
  try {
    const response = await request(`http://${host}:${port}${path}`, {
      method: method as Dispatcher.HttpMethod,
      headers: headerStrings(options.headers ?? {}),
      body: options.body,
      dispatcher: options.dispatcher ?? ownConnection,
      signal: AbortSignal.timeout(timeoutMs),
    });
    return {
      status: response.statusCode,
      headers: response.headers as IncomingHttpHeaders,
      body: await response.body.text(),
    };
  } catch (error) {
    if ((error as Error).name === 'TimeoutError' || (error as Error).name === 'AbortError') {
      throw new Error(`${method} http://${host}:${port}${path} timed out after ${timeoutMs} ms`);
    }
    throw error;
  } finally {
    await ownConnection?.destroy();
  }
}

/** Node's header shape (numbers, absent values) as undici takes it. */
function headerStrings(headers: OutgoingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = typeof value === 'number' ? String(value) : value;
  }
  return out;
}
