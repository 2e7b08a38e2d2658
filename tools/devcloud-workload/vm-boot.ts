/**
 * One boot of the "VM": start the units enabled on the disk (every boot), then, on the first boot
 * of this instance id only, apply its #cloud-config (write_files, packages, runcmd), recorded
 * like cloud-init's per-instance semaphore in /var/lib/cloud/instances/<id>/sem/ on the disk.
 * Like cloud-init, the semaphore is taken BEFORE the modules run: a VM powered off while runcmd
 * still runs (the bake stops it right after the ready marker) does not run it again.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isCloudConfig, parseCloudConfig, type CloudConfig, type RunCommand } from './cloud-config';
import { hostPathInDisk } from './disk-path';
import { STAND_IN_ENV } from './stand-ins';
import type { ConsoleWriter, UnitSupervisor } from './unit-supervisor';
import type { WorkloadOptions } from './workload-options';
import { writeFileIntoDisk } from './write-files';

export interface BootContext {
  options: WorkloadOptions;
  supervisor: UnitSupervisor;
  console: ConsoleWriter;
  /** PATH for runcmd: the stand-ins first, then the host's. */
  runcmdPath: string;
  socketPath: string;
  journalDir: string;
  /** Set when SIGTERM arrives: a running runcmd is killed and the rest skipped. */
  stopping: () => boolean;
  track: (kill: () => void) => () => void;
}

export function semaphoreVmPath(instanceId: string): string {
  return `/var/lib/cloud/instances/${instanceId}/sem/config_user_data`;
}

function takeSemaphore(file: string): boolean {
  try {
    fs.writeFileSync(file, `${new Date().toISOString()} devcloud workload runner\n`, {
      flag: 'wx',
    });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

export async function bootVm(ctx: BootContext): Promise<void> {
  const { options, supervisor } = ctx;
  const say = ctx.console;
  const enabled = supervisor.enabledUnits();
  for (const name of enabled) supervisor.start(name);

  const userDataFile = path.join(options.dir, 'user_data');
  const userData = fs.existsSync(userDataFile) ? fs.readFileSync(userDataFile, 'utf8') : '';
  const semaphore = hostPathInDisk(options.disk, semaphoreVmPath(options.instanceId));
  let ranUserData = false;
  if (userData.trim() === '') {
    say('[workload] no user data');
  } else if (fs.existsSync(semaphore)) {
    say(
      `[workload] user data already applied for instance ${options.instanceId} (${semaphoreVmPath(options.instanceId)}): not run again`,
    );
  } else if (!isCloudConfig(userData)) {
    say(
      `[workload] user data is not #cloud-config (starts with ${JSON.stringify(userData.slice(0, 20))}): ignored, this runner only applies #cloud-config`,
    );
  } else {
    fs.mkdirSync(path.dirname(semaphore), { recursive: true });
    // Exclusive create: the devcloud starts one runner per fixed IP on the same disk, and only
    // one of them may apply the user data.
    ranUserData = takeSemaphore(semaphore);
    if (ranUserData) await applyCloudConfig(ctx, userData);
    else say(`[workload] user data is being applied by this server's runner on another address`);
  }
  if (ranUserData) {
    if (!ctx.stopping()) {
      const finished = hostPathInDisk(
        options.disk,
        `/var/lib/cloud/instances/${options.instanceId}/boot-finished`,
      );
      fs.writeFileSync(finished, `${new Date().toISOString()} devcloud workload runner\n`);
      say(`Cloud-init (devcloud workload runner) finished for instance ${options.instanceId}`);
    }
  }
  if (ctx.stopping()) return;
  if (enabled.length === 0 && supervisor.runningNames().length === 0) {
    say(
      ranUserData
        ? '[workload] nothing to run: the user data enabled no unit; staying up idle'
        : '[workload] nothing to run: the disk has no enabled unit and there is no user data to apply; staying up idle',
    );
  }
}

async function applyCloudConfig(ctx: BootContext, userData: string): Promise<void> {
  const say = ctx.console;
  let config: CloudConfig;
  try {
    config = parseCloudConfig(userData);
  } catch (error) {
    say(`[workload] cloud-config: ${(error as Error).message}; nothing applied`);
    return;
  }
  say(
    `Cloud-init (devcloud workload runner) running modules for instance ${ctx.options.instanceId}`,
  );
  if (config.ignoredKeys.length > 0)
    say(
      `[workload] cloud-config keys not handled by this runner, ignored: ${config.ignoredKeys.join(', ')}`,
    );
  const writeAll = (deferred: boolean): boolean => {
    for (const [i, entry] of config.writeFiles.entries()) {
      if (entry.defer !== deferred) continue;
      try {
        say(writeFileIntoDisk(ctx.options.disk, entry, `write_files[${i}]`));
      } catch (error) {
        say(`[workload] write_files[${i}] ${entry.path}: ${(error as Error).message}`);
        return false;
      }
    }
    return true;
  };
  if (!writeAll(false)) return;
  if (config.packages.length > 0) {
    say(
      `packages: ${config.packages.join(', ')}: satisfied by the host (node ${process.version} at ${process.execPath}; curl, systemctl and journalctl are the runner's stand-ins); nothing installed`,
    );
  }
  for (const [i, command] of config.runcmd.entries()) {
    if (ctx.stopping()) return;
    const code = await runCommand(ctx, command);
    if (code !== 0) say(`[workload] runcmd[${i}] exited ${code}`);
  }
  writeAll(true);
}

function runCommand(ctx: BootContext, command: RunCommand): Promise<number | string> {
  const { options } = ctx;
  let argv: string[];
  try {
    argv =
      typeof command === 'string'
        ? ['/bin/sh', '-c', command]
        : [
            resolveProgram(ctx, command[0]),
            ...command.slice(1).map((a) => pathArgument(options.disk, a)),
          ];
  } catch (error) {
    ctx.console(`[workload] runcmd ${JSON.stringify(command)}: ${(error as Error).message}`);
    return Promise.resolve(127);
  }
  const child = spawn(argv[0], argv.slice(1), {
    cwd: options.disk,
    stdio: ['ignore', 'inherit', 'inherit'],
    // A clean environment, as cloud-init's: nothing of the devcloud's own (nova-compute's) leaks in.
    env: {
      PATH: ctx.runcmdPath,
      HOME: '/root',
      LANG: process.env['LANG'] ?? 'C.UTF-8',
      [STAND_IN_ENV.socket]: ctx.socketPath,
      [STAND_IN_ENV.journalDir]: ctx.journalDir,
      [STAND_IN_ENV.ip]: options.ip,
      [STAND_IN_ENV.disk]: options.disk,
    },
  });
  const untrack = ctx.track(() => child.kill('SIGTERM'));
  return new Promise((resolve) => {
    child.on('error', (error) => {
      untrack();
      ctx.console(`[workload] runcmd ${argv[0]}: ${error.message}`);
      resolve(127);
    });
    child.on('exit', (code, signal) => {
      untrack();
      resolve(signal ?? code ?? 1);
    });
  });
}

/** A runcmd program: on the disk if it is there, else looked up on runcmd's PATH (stand-ins first). */
function resolveProgram(ctx: BootContext, program: string): string {
  if (program.startsWith('/')) {
    const inDisk = hostPathInDisk(ctx.options.disk, program);
    if (fs.existsSync(inDisk)) return inDisk;
    return ctx.supervisor.programPath(program);
  }
  return program;
}

function pathArgument(disk: string, arg: string): string {
  if (!arg.startsWith('/')) return arg;
  const inDisk = hostPathInDisk(disk, arg);
  return fs.existsSync(inDisk) ? inDisk : arg;
}
