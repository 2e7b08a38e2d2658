import { createServer } from 'node:net';

/**
 * A port free on `host` right now (bound to 0 and released). For a listener the test cannot ask
 * for port 0, e.g. HAProxy in `dataPlane.kind: haproxy`, which must be told its port.
 */
export function freePortOn(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
