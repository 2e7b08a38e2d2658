/**
 * Runs the units of one "VM" the way systemd would for what the runner needs: start a unit's
 * ExecStart with the VM's paths mapped into the disk, bound to the server's address; restart it
 * per Restart= (with systemd's default start limit: 5 starts in 10 s, then it stays failed); stop
 * it with SIGTERM, then SIGKILL after a grace period. Output goes to the unit's journal file and
 * to the console as `<unit>[<pid>]: <line>`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { hostPathInDisk } from './disk-path';
import { parseEnvironmentFile, parseSystemdUnit, type SystemdUnit } from './systemd-unit';

/** Where unit files are looked up, in systemd's order. */
export const UNIT_DIRS = ['/etc/systemd/system', '/lib/systemd/system', '/usr/lib/systemd/system'];
const START_LIMIT_BURST = 5;
const START_LIMIT_INTERVAL_MS = 10_000;
/** HOST values that mean "every address of this VM", which here is the server's one address. */
const ANY_ADDRESS = new Set(['', '0.0.0.0', '::', '[::]', 'localhost', '127.0.0.1']);

export interface VmIdentity {
  disk: string;
  ip: string;
  /** Per-boot state outside the disk (journal files): like /run, not part of an image. */
  runDir: string;
  /** Added to every unit's environment before its own Environment= (e.g. WORK_DELAY_MS from CI). */
  unitEnv: Record<string, string>;
}

type UnitState = 'active' | 'activating' | 'failed' | 'inactive';

interface RunningUnit {
  unit: SystemdUnit;
  child?: ChildProcess;
  state: UnitState;
  starts: number[];
  stopping: boolean;
  restartTimer?: NodeJS.Timeout;
  lastExit?: string;
}

export type ConsoleWriter = (line: string) => void;

export class UnitSupervisor {
  private readonly units = new Map<string, RunningUnit>();

  constructor(
    private readonly vm: VmIdentity,
    private readonly console: ConsoleWriter,
  ) {}

  static normalizeName(name: string): string {
    return name.includes('.') ? name : `${name}.service`;
  }

  /** The VM path of a unit file on the disk, or undefined. */
  findUnitFile(name: string): string | undefined {
    for (const dir of UNIT_DIRS) {
      const vmPath = `${dir}/${name}`;
      if (fs.existsSync(hostPathInDisk(this.vm.disk, vmPath))) return vmPath;
    }
    return undefined;
  }

  loadUnit(name: string): SystemdUnit {
    const vmPath = this.findUnitFile(name);
    if (!vmPath)
      throw new Error(`Unit ${name} not found (looked in ${UNIT_DIRS.join(', ')} on the disk)`);
    return parseSystemdUnit(name, fs.readFileSync(hostPathInDisk(this.vm.disk, vmPath), 'utf8'));
  }

  /** Units enabled on the disk: links in /etc/systemd/system/<target>.wants/. */
  enabledUnits(): string[] {
    const etc = hostPathInDisk(this.vm.disk, '/etc/systemd/system');
    if (!fs.existsSync(etc)) return [];
    const names = new Set<string>();
    for (const entry of fs.readdirSync(etc, { withFileTypes: true })) {
      if (!entry.isDirectory() || !entry.name.endsWith('.wants')) continue;
      for (const link of fs.readdirSync(path.join(etc, entry.name))) {
        if (link.endsWith('.service')) names.add(link);
      }
    }
    return [...names].sort();
  }

  /** Records `name` as enabled on the disk, as systemd does: a relative link in <target>.wants/. */
  enable(name: string): string[] {
    const unitPath = this.findUnitFile(name);
    if (!unitPath) throw new Error(`Failed to enable unit: Unit file ${name} does not exist.`);
    const unit = this.loadUnit(name);
    const targets = unit.wantedBy.length > 0 ? unit.wantedBy : ['multi-user.target'];
    const lines: string[] = [];
    for (const target of targets) {
      const wantsDir = hostPathInDisk(this.vm.disk, `/etc/systemd/system/${target}.wants`);
      fs.mkdirSync(wantsDir, { recursive: true });
      const link = path.join(wantsDir, name);
      // Relative, so the link stays inside the disk (a snapshot refuses links that leave it).
      const relative = path.relative(wantsDir, hostPathInDisk(this.vm.disk, unitPath));
      fs.rmSync(link, { force: true });
      fs.symlinkSync(relative, link);
      lines.push(`Created symlink /etc/systemd/system/${target}.wants/${name} → ${unitPath}.`);
    }
    return lines;
  }

  disable(name: string): string[] {
    const lines: string[] = [];
    const etc = hostPathInDisk(this.vm.disk, '/etc/systemd/system');
    if (!fs.existsSync(etc)) return lines;
    for (const dir of fs.readdirSync(etc).filter((d) => d.endsWith('.wants'))) {
      const link = path.join(etc, dir, name);
      if (fs.existsSync(link) || isSymlink(link)) {
        fs.rmSync(link, { force: true });
        lines.push(`Removed /etc/systemd/system/${dir}/${name}.`);
      }
    }
    return lines;
  }

  isEnabled(name: string): boolean {
    return this.enabledUnits().includes(name);
  }

  state(name: string): UnitState {
    return this.units.get(name)?.state ?? 'inactive';
  }

  status(name: string): string {
    const running = this.units.get(name);
    const loaded = this.findUnitFile(name);
    return [
      `● ${name}`,
      `     Loaded: ${loaded ? `loaded (${loaded}; ${this.isEnabled(name) ? 'enabled' : 'disabled'})` : 'not-found'}`,
      `     Active: ${running?.state ?? 'inactive'}${running?.lastExit ? ` (last exit: ${running.lastExit})` : ''}`,
      ...(running?.child?.pid ? [`   Main PID: ${running.child.pid}`] : []),
    ].join('\n');
  }

  /** Starts the unit (re-reading its file); a running unit is left as it is. */
  start(name: string): void {
    const existing = this.units.get(name);
    if (existing && (existing.state === 'active' || existing.state === 'activating')) return;
    const unit = this.loadUnit(name);
    const running: RunningUnit = { unit, state: 'activating', starts: [], stopping: false };
    this.units.set(name, running);
    if (unit.user && unit.user !== 'root') {
      this.console(
        `[workload] ${name}: User=${unit.user} ignored (every unit runs as the runner's user)`,
      );
    }
    this.spawnUnit(running);
  }

  async restart(name: string): Promise<void> {
    await this.stop(name);
    this.start(name);
  }

  async stop(name: string, graceMs = 10_000): Promise<void> {
    const running = this.units.get(name);
    if (!running) return;
    running.stopping = true;
    if (running.restartTimer) clearTimeout(running.restartTimer);
    const child = running.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    }
    running.state = 'inactive';
    this.console(`[  OK  ] Stopped ${name}.`);
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.units.keys()].map((name) => this.stop(name)));
  }

  runningNames(): string[] {
    return [...this.units.values()].filter((u) => u.state === 'active').map((u) => u.unit.name);
  }

  private spawnUnit(running: RunningUnit): void {
    const { unit } = running;
    const now = Date.now();
    running.starts = running.starts.filter((t) => now - t < START_LIMIT_INTERVAL_MS);
    if (running.starts.length >= START_LIMIT_BURST) {
      running.state = 'failed';
      this.console(
        `[FAILED] ${unit.name}: start request repeated too quickly (${START_LIMIT_BURST} starts in ${START_LIMIT_INTERVAL_MS / 1000} s); not restarting`,
      );
      return;
    }
    running.starts.push(now);
    let argv: string[];
    let env: NodeJS.ProcessEnv;
    let cwd: string;
    try {
      argv = this.commandInDisk(unit.execStart);
      env = this.environmentOf(unit);
      cwd = hostPathInDisk(this.vm.disk, unit.workingDirectory ?? '/');
    } catch (error) {
      running.state = 'failed';
      running.lastExit = (error as Error).message;
      this.console(`[FAILED] Failed to start ${unit.name}: ${(error as Error).message}`);
      return;
    }
    const journal = this.journalPath(unit.name);
    fs.mkdirSync(path.dirname(journal), { recursive: true });
    const child = spawn(argv[0], argv.slice(1), { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    running.child = child;
    running.state = 'active';
    const prefix = `${unit.name.replace(/\.service$/, '')}[${child.pid ?? '?'}]: `;
    const forward = (chunk: Buffer): void => {
      fs.appendFileSync(journal, chunk);
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean))
        this.console(prefix + line);
    };
    child.stdout?.on('data', forward);
    child.stderr?.on('data', forward);
    this.console(
      `[  OK  ] Started ${unit.name}: ${unit.execStart.join(' ')} (pid ${child.pid ?? '?'}, HOST=${env['HOST']})`,
    );
    child.on('error', (error) => {
      this.console(`[FAILED] ${unit.name}: ${error.message}`);
    });
    child.on('exit', (code, signal) => {
      running.lastExit = signal ? `signal ${signal}` : `code ${code}`;
      if (running.stopping) return;
      const failed = signal !== null || code !== 0;
      this.console(`[workload] ${unit.name}: main process exited, ${running.lastExit}`);
      const restart = unit.restart === 'always' || (unit.restart === 'on-failure' && failed);
      if (!restart) {
        running.state = failed ? 'failed' : 'inactive';
        return;
      }
      running.state = 'activating';
      this.console(
        `[workload] ${unit.name}: Restart=${unit.restart}, restarting in ${unit.restartSecMs} ms`,
      );
      running.restartTimer = setTimeout(() => this.spawnUnit(running), unit.restartSecMs);
    });
  }

  journalPath(name: string): string {
    return path.join(this.vm.runDir, 'journal', `${name}.log`);
  }

  /**
   * ExecStart on the host: absolute words that exist on the disk become disk paths; a program the
   * disk lacks is the host's (node: the runner's own Node, which is how `packages: [nodejs]` is met).
   */
  private commandInDisk(execStart: string[]): string[] {
    const [program, ...args] = execStart;
    return [this.programPath(program), ...args.map((arg) => this.argumentPath(arg))];
  }

  programPath(program: string): string {
    if (program.startsWith('/')) {
      const inDisk = hostPathInDisk(this.vm.disk, program);
      if (isExecutableFile(inDisk)) return inDisk;
    }
    const base = path.posix.basename(program);
    if (base === 'node' || base === 'nodejs') return process.execPath;
    const onHost = findOnPath(base, process.env['PATH'] ?? '');
    if (onHost) return onHost;
    throw new Error(`${program}: not on the disk and no ${base} on the host's PATH`);
  }

  private argumentPath(arg: string): string {
    if (!arg.startsWith('/')) return arg;
    const inDisk = hostPathInDisk(this.vm.disk, arg);
    return fs.existsSync(inDisk) ? inDisk : arg;
  }

  private environmentOf(unit: SystemdUnit): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {
      PATH: process.env['PATH'],
      LANG: process.env['LANG'] ?? 'C.UTF-8',
      ...this.vm.unitEnv,
    };
    for (const file of unit.environmentFiles) {
      const hostPath = hostPathInDisk(this.vm.disk, file.path);
      if (!fs.existsSync(hostPath)) {
        if (file.optional) continue;
        throw new Error(`EnvironmentFile=${file.path} does not exist on the disk`);
      }
      Object.assign(env, parseEnvironmentFile(fs.readFileSync(hostPath, 'utf8')));
    }
    Object.assign(env, unit.environment);
    // The VM has one address: "all addresses" (0.0.0.0) and the VM's own localhost are that address.
    if (ANY_ADDRESS.has(env['HOST'] ?? '')) env['HOST'] = this.vm.ip;
    return env;
  }
}

function isSymlink(p: string): boolean {
  try {
    return fs.lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

function isExecutableFile(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

export function findOnPath(name: string, searchPath: string): string | undefined {
  for (const dir of searchPath.split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}
