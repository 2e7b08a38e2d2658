import * as http from 'node:http';

export interface HttpReply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** One GET on a fresh connection (like curl), the whole body, bounded in time. */
export function httpGet(host: string, port: number, path = '/', timeoutMs = 10_000): Promise<HttpReply> {
  return new Promise<HttpReply>((resolve, reject) => {
    const request = http.request({ host, port, path, method: 'GET', agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    request.setTimeout(timeoutMs, () => request.destroy(new Error(`GET http://${host}:${port}${path} timed out after ${timeoutMs} ms`)));
    request.on('error', reject);
    request.end();
  });
}

export async function getJson<T>(host: string, port: number, path: string): Promise<T> {
  const reply = await httpGet(host, port, path);
  if (reply.status !== 200) throw new Error(`GET ${path} answered ${reply.status}: ${reply.body}`);
  return JSON.parse(reply.body) as T;
}
