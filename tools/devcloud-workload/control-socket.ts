/**
 * The channel between the `systemctl` stand-in (run by runcmd scripts) and the runner that owns
 * the units: HTTP over a unix socket in the server's directory (outside the disk, so never part of
 * an image). One request: POST /systemctl with the argv as JSON; answer {code, output}.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { CommandResult } from './systemctl-command';

export function serveControlSocket(
  socketPath: string,
  handle: (argv: string[]) => Promise<CommandResult>,
): Promise<http.Server> {
  fs.rmSync(socketPath, { force: true });
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let argv: unknown;
      try {
        argv = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        argv = undefined;
      }
      if (req.method !== 'POST' || req.url !== '/systemctl' || !Array.isArray(argv)) {
        res
          .writeHead(400)
          .end(JSON.stringify({ code: 1, output: 'expected POST /systemctl with a JSON argv' }));
        return;
      }
      void handle(argv.map(String)).then((result) => {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result));
      });
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve(server));
  });
}

export function callControlSocket(
  socketPath: string,
  argv: string[],
  timeoutMs: number,
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { socketPath, path: '/systemctl', method: 'POST', timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as CommandResult);
          } catch (error) {
            reject(error);
          }
        });
      },
    );
    req.on('timeout', () =>
      req.destroy(new Error(`no answer from the workload runner within ${timeoutMs} ms`)),
    );
    req.on('error', reject);
    req.end(JSON.stringify(argv));
  });
}
