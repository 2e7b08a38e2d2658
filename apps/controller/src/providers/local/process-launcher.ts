import { ChildProcess, spawn } from 'node:child_process';

/** Starting and stopping OS processes: the local provider's "hypervisor", injectable like the cloud. */
export interface ProcessLauncher {
  launch(spec: ProcessSpec): LaunchedProcess;
}

export const PROCESS_LAUNCHER = Symbol('PROCESS_LAUNCHER');

export interface ProcessSpec {
  /** For messages only. */
  readonly name: string;
  /** A Node.js script, run with the controller's own `node`. */
  readonly scriptPath: string;
  /** The child's complete environment (nothing of the controller's is inherited: no OS_PASSWORD leaks). */
  readonly env: Readonly<Record<string, string>>;
  /** Each line the process prints. */
  readonly onOutput?: (line: string, stream: 'stdout' | 'stderr') => void;
}

export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all. */
  readonly spawnError?: string;
}

export interface LaunchedProcess {
  readonly pid: number | undefined;
  /** Undefined while running. */
  readonly exit: ProcessExit | undefined;
  readonly exited: Promise<ProcessExit>;
  /** The last lines printed (for a fault message). */
  recentOutput(): string[];
  /** SIGTERM, then SIGKILL if still running after `graceMs`; resolves once it has exited. */
  stop(graceMs: number): Promise<ProcessExit>;
  /** SIGKILL now, synchronously (last resort on controller exit). */
  killNow(): void;
}

/**
 * Preloaded into every child (`node --import data:...`): the child ends itself when the
 * controller is gone, even after a SIGKILL that gives the controller no chance to clean up.
 * Primary signal: the IPC channel's `disconnect` (the kernel closes the socket when the parent
 * dies, so it fires at once). Backup: the parent pid changing (re-parented to init). The channel is
 * unref'd so it never keeps a finished child alive. SIGTERM lets the service drain; the hard exit
 * after 15 s covers a service that ignores it.
 */
const PARENT_WATCH_PRELOAD = `
const parentPid = process.ppid;
const parentGone = () => {
  process.kill(process.pid, 'SIGTERM');
  setTimeout(() => process.exit(1), 15000).unref();
};
if (process.channel) {
  process.channel.unref();
  process.once('disconnect', parentGone);
}
setInterval(() => { if (process.ppid !== parentPid) parentGone(); }, 1000).unref();
`;

const PARENT_WATCH_IMPORT = `data:text/javascript,${encodeURIComponent(PARENT_WATCH_PRELOAD)}`;
const OUTPUT_LINES_KEPT = 20;

export class NodeProcessLauncher implements ProcessLauncher {
  launch(spec: ProcessSpec): LaunchedProcess {
    const child = spawn(process.execPath, ['--import', PARENT_WATCH_IMPORT, spec.scriptPath], {
      env: { ...spec.env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      // Its own process group: a Ctrl-C in the terminal reaches only the controller, which drains
      // the proxy first and then stops the instances in order (like VMs, they do not share our TTY).
      detached: true,
    });
    return new ChildLaunchedProcess(child, spec);
  }
}

class ChildLaunchedProcess implements LaunchedProcess {
  exit: ProcessExit | undefined;
  readonly exited: Promise<ProcessExit>;
  private readonly output: string[] = [];

  constructor(
    private readonly child: ChildProcess,
    spec: ProcessSpec,
  ) {
    this.exited = new Promise<ProcessExit>((resolve) => {
      child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
      child.once('error', (error) => {
        // 'error' without a pid means spawn failed and no 'exit' will follow.
        if (child.pid === undefined) {
          this.exit = { code: null, signal: null, spawnError: error.message };
          resolve(this.exit);
        }
      });
    });
    // The IPC channel exists only so the child notices our death; it carries no messages.
    child.on('error', () => undefined);
    child.channel?.unref();
    for (const stream of ['stdout', 'stderr'] as const) {
      let pending = '';
      child[stream]?.setEncoding('utf8');
      child[stream]?.on('data', (chunk: string) => {
        const lines = (pending + chunk).split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) this.record(line, stream, spec);
      });
      child[stream]?.on('end', () => {
        if (pending) this.record(pending, stream, spec);
        pending = '';
      });
    }
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  recentOutput(): string[] {
    return [...this.output];
  }

  async stop(graceMs: number): Promise<ProcessExit> {
    if (this.exit) return this.exit;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  killNow(): void {
    if (!this.exit) this.child.kill('SIGKILL');
  }

  private record(line: string, stream: 'stdout' | 'stderr', spec: ProcessSpec): void {
    if (!line.trim()) return;
    this.output.push(line);
    if (this.output.length > OUTPUT_LINES_KEPT) this.output.shift();
    spec.onOutput?.(line, stream);
  }
}
