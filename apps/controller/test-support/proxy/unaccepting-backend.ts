import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { nextLoopbackAddress } from './loopback';

/**
 * A backend whose TCP connects never complete: a listening socket (backlog 1) that never calls
 * accept(), its queue filled by two parked connections, so Linux drops further SYNs and a new
 * connect hangs. Node accepts whenever its event loop runs, so the listener is a Node child that
 * blocks its own event loop for good right after listen() (Atomics.wait): the kernel completes
 * handshakes up to the backlog and nothing ever accepts them. Plain Node, no python3 needed.
 */
const LISTENER = `
const server = require('node:net').createServer();
server.listen({ host: process.argv[1], port: 0, backlog: 1 }, () => {
  process.stdout.write(server.address().port + '\\n'); // synchronous on a pipe (Linux)
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); // never returns: nothing accepts
});
`;

export class UnacceptingBackend {
  private readonly parked: Socket[] = [];

  private constructor(
    private readonly child: ChildProcess,
    readonly host: string,
    readonly port: number,
  ) {}

  static async start(): Promise<UnacceptingBackend> {
    const host = nextLoopbackAddress();
    const child = spawn(process.execPath, ['-e', LISTENER, host], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error('unaccepting backend did not start within 10 s'));
      }, 10_000);
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(new Error(`the unaccepting backend did not start: ${error.message}`));
      });
      child.stdout?.once('data', (line: Buffer) => {
        clearTimeout(timer);
        resolve(Number(line.toString().trim()));
      });
    });
    const backend = new UnacceptingBackend(child, host, port);
    // Fill the accept queue; these complete at the kernel level and are never accepted.
    for (let i = 0; i < 2; i++) {
      const socket = connect({ host, port });
      socket.on('error', () => undefined);
      backend.parked.push(socket);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    return backend;
  }

  asBackend(): { id: string; host: string; port: number } {
    return { id: 'unaccepting', host: this.host, port: this.port };
  }

  stop(): void {
    for (const socket of this.parked) socket.destroy();
    this.child.kill('SIGKILL'); // its event loop is blocked for good: only a signal ends it
  }
}
