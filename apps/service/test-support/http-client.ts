// A small HTTP client for tests: one request, the whole body, a timeout; and raw-socket exchanges.
import * as http from 'http';
import * as net from 'net';

export interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface HttpRequestOptions {
  host: string;
  port: number;
  path: string;
  method?: string;
  /** Defaults to `false` (a fresh connection, closed afterwards). */
  agent?: http.Agent | false;
  timeoutMs?: number;
}

export function httpRequest(options: HttpRequestOptions): Promise<HttpResult> {
  const timeoutMs = options.timeoutMs !== undefined ? options.timeoutMs : 10000;
  return new Promise<HttpResult>((resolve, reject) => {
    const req = http.request(
      {
        host: options.host,
        port: options.port,
        path: options.path,
        method: options.method || 'GET',
        agent: options.agent !== undefined ? options.agent : false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () =>
          resolve({
            status: res.statusCode || 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.setTimeout(timeoutMs, () =>
      req.destroy(
        new Error(`${options.method || 'GET'} ${options.path} timed out after ${timeoutMs} ms`),
      ),
    );
    req.on('error', reject);
    req.end();
  });
}

/** Resolves with the error a request fails with; rejects if it unexpectedly gets a response. */
export function httpRequestError(options: HttpRequestOptions): Promise<NodeJS.ErrnoException> {
  return httpRequest(options).then(
    (result) => {
      throw new Error(
        `expected ${options.method || 'GET'} ${options.path} to fail, got HTTP ${result.status}`,
      );
    },
    (error: NodeJS.ErrnoException) => error,
  );
}

/** Sends raw bytes and returns everything the server answers until it closes the connection. */
export function rawExchange(
  target: { host: string; port: number },
  data: string,
  timeoutMs = 5000,
): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const socket = net.connect(target.port, target.host);
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
    socket.setTimeout(timeoutMs, () => {
      socket.destroy();
      reject(
        new Error(`server did not close the connection within ${timeoutMs} ms; got: ${answer}`),
      );
    });
    socket.write(data);
  });
}
