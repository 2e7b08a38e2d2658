import { ChildProcess, spawn } from 'node:child_process';
import { SERVICE_BUNDLE } from './controller-process';
import { httpGet } from './http-get';

/**
 * A real service instance started by the test (the "VM" the fake cloud pretends to boot):
 * the built bundle as a child process on its own loopback address.
 */
export class ServiceInstance {
  private constructor(
    readonly host: string,
    readonly port: number,
    private readonly child: ChildProcess,
  ) {}

  static async start(
    host: string,
    port: number,
    env: Record<string, string> = {},
  ): Promise<ServiceInstance> {
    const child = spawn(process.execPath, [SERVICE_BUNDLE], {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOST: host,
        PORT: String(port),
        WORK_DELAY_MS: '20',
        ...env,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const instance = new ServiceInstance(host, port, child);
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        if ((await httpGet(host, port, '/healthz', 1_000)).status === 200) return instance;
      } catch {
        // not listening yet
      }
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`service on ${host}:${port} did not come up (exit code ${child.exitCode})`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get address(): string {
    return `${this.host}:${this.port}`;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGKILL');
    await exited;
  }
}
