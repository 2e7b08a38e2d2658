import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { nextLoopbackAddress } from './loopback';

/**
 * A backend in its own process, so a test can kill it (SIGKILL, by PID) in the middle of a
 * response. `/stream` sends a chunked body forever, 1 KiB every 10 ms.
 */
const BACKEND_SCRIPT = `
const http = require('node:http');
const server = http.createServer((req, res) => {
  if (req.url === '/stream') {
    res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
    const chunk = Buffer.alloc(1024, 0x62);
    const timer = setInterval(() => res.write(chunk), 10);
    res.on('close', () => clearInterval(timer));
    return;
  }
  res.end('ok\\n');
});
server.listen(0, process.argv[1], () => process.stdout.write(JSON.stringify(server.address()) + '\\n'));
`;

export class KillableBackend {
  private constructor(
    private readonly child: ChildProcess,
    readonly host: string,
    readonly port: number,
  ) {}

  static start(): Promise<KillableBackend> {
    const host = nextLoopbackAddress();
    const child = spawn(process.execPath, ['-e', BACKEND_SCRIPT, host], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error('killable backend did not start within 10 s'));
      }, 10_000);
      child.stdout?.once('data', (line: Buffer) => {
        clearTimeout(timer);
        const address = JSON.parse(line.toString()) as { address: string; port: number };
        resolve(new KillableBackend(child, address.address, address.port));
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`killable backend exited during start-up (code ${code})`));
      });
    });
  }

  asBackend(): { id: string; host: string; port: number } {
    return { id: 'killable', host: this.host, port: this.port };
  }

  /** SIGKILL by PID, and wait until the process is gone. */
  kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve();
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGKILL');
    return exited;
  }
}
