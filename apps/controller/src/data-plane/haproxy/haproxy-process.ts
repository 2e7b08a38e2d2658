import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

/** How one HAProxy process ended. */
export interface HaproxyExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Its last lines of output (alerts), for the log line that says why. */
  readonly lastOutput: readonly string[];
}

const KEPT_OUTPUT_LINES = 20;
/**
 * util-linux's setpriv (in every Debian): `--pdeathsig KILL` makes the kernel end HAProxy when the
 * controller dies, even by SIGKILL, so no HAProxy is left holding the proxy port.
 */
const SETPRIV = '/usr/bin/setpriv';

/**
 * One HAProxy process in the foreground (`-db`: no daemon, alerts on stderr), a child of the
 * controller so a signal to the controller's process group reaches it too. Starting it again is
 * the supervisor's business (HaproxyDataPlane), not this class's.
 */
export class HaproxyProcess {
  readonly exited: Promise<HaproxyExit>;
  private readonly child: ChildProcess;
  private readonly output: string[] = [];
  private exitInfo: HaproxyExit | undefined;

  constructor(binary: string, configFile: string) {
    const command = [binary, '-db', '-f', configFile];
    const [file, ...args] = existsSync(SETPRIV)
      ? [SETPRIV, '--pdeathsig', 'KILL', '--', ...command]
      : command;
    this.child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    for (const stream of [this.child.stdout, this.child.stderr]) {
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        for (const line of chunk.split('\n')) if (line.trim() !== '') this.output.push(line.trim());
        this.output.splice(0, Math.max(0, this.output.length - KEPT_OUTPUT_LINES));
      });
    }
    this.exited = new Promise((resolve) => {
      const done = (code: number | null, signal: NodeJS.Signals | null): void => {
        this.exitInfo ??= { code, signal, lastOutput: [...this.output] };
        resolve(this.exitInfo);
      };
      this.child.once('exit', done);
      this.child.once('error', (error) => {
        this.output.push(error.message);
        done(null, null);
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return (
      this.exitInfo === undefined && this.child.exitCode === null && this.child.signalCode === null
    );
  }

  /**
   * Soft stop (SIGUSR1: stop listening, let requests in flight finish, bounded by the config's
   * `hard-stop-after`), then SIGKILL if it is still there after `deadlineMs`.
   */
  async stop(deadlineMs: number): Promise<HaproxyExit> {
    if (this.running) this.child.kill('SIGUSR1');
    const timer = setTimeout(() => {
      if (this.running) this.child.kill('SIGKILL');
    }, deadlineMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** For the crash-and-restart tests and `kill -9` drills: end it as a crash would. */
  kill(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }
}
