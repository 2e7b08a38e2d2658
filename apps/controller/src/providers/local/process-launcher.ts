import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';

/** Starting and stopping OS processes: the local provider's "hypervisor", injectable like the cloud. */
export interface ProcessLauncher {
  launch(spec: ProcessSpec): LaunchedProcess;
  /** A process started earlier (by a previous controller), found again by its pid and marker. */
  attach(found: FoundProcess): LaunchedProcess;
}

/** How to recognise a process we started, even after a restart (pids are reused). */
export interface FoundProcess {
  readonly pid: number;
  /** The value of MARKER_VARIABLE in its environment. */
  readonly marker: string;
  /** Where its output went (processes that outlive the controller write to a file). */
  readonly logFile?: string;
}

/** Set in every instance's environment so it can be recognised in /proc after a controller restart. */
export const MARKER_VARIABLE = 'OSA_LOCAL_INSTANCE_ID';

export const PROCESS_LAUNCHER = Symbol('PROCESS_LAUNCHER');

export interface ProcessSpec {
  /** For messages only. */
  readonly name: string;
  /** A Node.js script, run with the controller's own `node`. */
  readonly scriptPath: string;
  /** The child's complete environment (nothing of the controller's is inherited: no OS_PASSWORD leaks). */
  readonly env: Readonly<Record<string, string>>;
  /** Each line the process prints (not for processes that outlive the controller: their output goes to `logFile`). */
  readonly onOutput?: (line: string, stream: 'stdout' | 'stderr') => void;
  /**
   * Keep running when the controller dies: no parent watch, no pipes to us (a write to a pipe
   * whose reader died would kill it), output appended to `logFile` instead.
   */
  readonly outliveParent?: { readonly logFile: string };
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
    if (spec.outliveParent) return this.launchOutliving(spec, spec.outliveParent.logFile);
    const child = spawn(process.execPath, ['--import', PARENT_WATCH_IMPORT, spec.scriptPath], {
      env: { ...spec.env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      // Its own process group: a Ctrl-C in the terminal reaches only the controller, which drains
      // the proxy first and then stops the instances in order (like VMs, they do not share our TTY).
      detached: true,
    });
    return new ChildLaunchedProcess(child, spec);
  }

  attach(found: FoundProcess): LaunchedProcess {
    return new FoundLaunchedProcess(found);
  }

  private launchOutliving(spec: ProcessSpec, logFile: string): LaunchedProcess {
    const output = fs.openSync(logFile, 'a');
    try {
      const child = spawn(process.execPath, [spec.scriptPath], {
        env: { ...spec.env },
        stdio: ['ignore', output, output],
        detached: true,
      });
      child.unref();
      return new ChildLaunchedProcess(child, spec, logFile);
    } finally {
      fs.closeSync(output);
    }
  }
}

/** Whether `pid` is alive (not a zombie) and carries `marker` in its environment; false when it cannot be read. */
export function isOurProcess(pid: number, marker: string): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return false;
    return fs
      .readFileSync(`/proc/${pid}/environ`, 'utf8')
      .split('\0')
      .includes(`${MARKER_VARIABLE}=${marker}`);
  } catch {
    return false;
  }
}

/** Pids of live processes carrying `marker` (for an instance whose pid was never recorded). */
export function findProcessesByMarker(marker: string): number[] {
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return [];
  }
  return entries
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => isOurProcess(pid, marker));
}

/** The last lines of a log file (at most the last 64 KiB are read). */
function tailLines(file: string, count: number): string[] {
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      const length = Math.min(size, 64 * 1024);
      const buffer = Buffer.alloc(length);
      fs.readSync(fd, buffer, 0, length, size - length);
      return buffer
        .toString('utf8')
        .split('\n')
        .filter((line) => line.trim())
        .slice(-count);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return [];
  }
}

/** Signals a process group (each instance leads its own), falling back to the process alone. */
function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/**
 * A process a previous controller started: not our child, so its end is seen by polling /proc
 * (pid plus marker, so a reused pid is never mistaken for it), and its exit code is unknown.
 */
class FoundLaunchedProcess implements LaunchedProcess {
  private ended: ProcessExit | undefined;
  private exitedPromise: Promise<ProcessExit> | undefined;

  constructor(private readonly found: FoundProcess) {}

  get pid(): number {
    return this.found.pid;
  }

  get exit(): ProcessExit | undefined {
    // A pid of 0 or less would signal a whole group (or everything): such a record means "gone".
    if (!this.ended && (this.found.pid <= 0 || !isOurProcess(this.found.pid, this.found.marker)))
      this.ended = { code: null, signal: null };
    return this.ended;
  }

  get exited(): Promise<ProcessExit> {
    this.exitedPromise ??= new Promise<ProcessExit>((resolve) => {
      const check = (): void => {
        const exit = this.exit;
        if (exit) resolve(exit);
        else setTimeout(check, 100).unref();
      };
      check();
    });
    return this.exitedPromise;
  }

  recentOutput(): string[] {
    return this.found.logFile ? tailLines(this.found.logFile, OUTPUT_LINES_KEPT) : [];
  }

  async stop(graceMs: number): Promise<ProcessExit> {
    if (this.exit) return this.exit as ProcessExit;
    signalGroup(this.found.pid, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(this.found.pid, 'SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  killNow(): void {
    if (!this.exit) signalGroup(this.found.pid, 'SIGKILL');
  }
}

class ChildLaunchedProcess implements LaunchedProcess {
  exit: ProcessExit | undefined;
  readonly exited: Promise<ProcessExit>;
  private readonly output: string[] = [];

  constructor(
    private readonly child: ChildProcess,
    spec: ProcessSpec,
    private readonly logFile?: string,
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
    return this.logFile ? tailLines(this.logFile, OUTPUT_LINES_KEPT) : [...this.output];
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
