import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { nextLoopbackAddress } from './loopback';

/**
 * A backend whose TCP connects never complete: a listening socket (backlog 1) that never calls
 * accept(), its queue filled by two parked connections, so Linux drops further SYNs and a new
 * connect hangs. Node can't listen without accepting, so the listener is a tiny python3 child.
 */
const LISTENER = `
import socket, sys
s = socket.socket(); s.bind((sys.argv[1], 0)); s.listen(1)
print(s.getsockname()[1], flush=True)
sys.stdin.read()
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
    const child = spawn('python3', ['-c', LISTENER, host], { stdio: ['pipe', 'pipe', 'inherit'] });
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error('unaccepting backend did not start within 10 s'));
      }, 10_000);
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(new Error(`python3 is needed for the unaccepting backend: ${error.message}`));
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
    this.child.stdin?.end(); // python exits when its stdin closes
    this.child.kill('SIGTERM');
  }
}
