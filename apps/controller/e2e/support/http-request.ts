import * as http from 'node:http';
import { HttpReply } from './http-get';

/** One request with any method and headers, on a fresh connection, the whole body, bounded in time. */
export function httpRequest(
  host: string,
  port: number,
  method: string,
  path: string,
  headers: http.OutgoingHttpHeaders = {},
  timeoutMs = 10_000,
): Promise<HttpReply> {
  return new Promise<HttpReply>((resolve, reject) => {
    const request = http.request({ host, port, path, method, headers, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    request.setTimeout(timeoutMs, () => request.destroy(new Error(`${method} http://${host}:${port}${path} timed out after ${timeoutMs} ms`)));
    request.on('error', reject);
    request.end();
  });
}
