import { httpRequest, HttpReply } from './http-request';

export type { HttpReply };

/** One GET on a fresh connection (like curl), the whole body, bounded in time. */
export function httpGet(
  host: string,
  port: number,
  path = '/',
  timeoutMs = 10_000,
): Promise<HttpReply> {
  return httpRequest(host, port, 'GET', path, { timeoutMs });
}

export async function getJson<T>(host: string, port: number, path: string): Promise<T> {
  const reply = await httpGet(host, port, path);
  if (reply.status !== 200) throw new Error(`GET ${path} answered ${reply.status}: ${reply.body}`);
  return JSON.parse(reply.body) as T;
}
