import { createServer } from 'node:net';
import type { Server } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * Loopback addresses for proxy tests: each backend/proxy gets its own 127.x.y.z on an
 * ephemeral port, never a well-known port (the devcloud holds 127.0.0.1:5000 and friends).
 */
let next = 0;
export function nextLoopbackAddress(): string {
  next += 1;
  const third = (process.pid % 200) + 20;
  return `127.77.${third}.${(next % 250) + 2}`;
}

export function listen(server: Server, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    (server as Server & { closeAllConnections?: () => void }).closeAllConnections?.();
  });
}

/** Poll `condition` every 20 ms until true or `timeoutMs`; throws naming what was awaited. */
export async function waitFor(
  what: string,
  condition: () => boolean,
  timeoutMs = 5_000,
): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

/** A backend address nothing listens on (bound, then closed): connects to it are refused. */
export async function refusingBackend(
  id: string,
): Promise<{ id: string; host: string; port: number }> {
  const server = createServer();
  const address = await listen(server, nextLoopbackAddress());
  await closeServer(server);
  return { id, host: address.address, port: address.port };
}
