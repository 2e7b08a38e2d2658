/**
 * The devcloud workload runner: what every devcloud "server" runs (DEVCLOUD_VM_CMD, set by
 * .ci/devcloud.sh), so the server behaves like the VM it stands for, with its disk as root file
 * system. Also the entry of its stand-ins (`main.js stand-in systemctl ...`). Its stdout is the
 * server's console. Bundled by esbuild into one file (dist/tools/devcloud-workload/main.js) so the
 * devcloud needs nothing but Node.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { serveControlSocket } from './control-socket';
import { installStandIns, runStandIn } from './stand-ins';
import { runSystemctl } from './systemctl-command';
import { UnitSupervisor } from './unit-supervisor';
import { bootVm } from './vm-boot';
import { parseWorkloadOptions, WorkloadUsageError } from './workload-options';

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function runVm(argv: string[]): Promise<void> {
  const options = parseWorkloadOptions(argv, process.env);
  // Per-boot state, outside the disk (like /run): stand-ins, the control socket, unit journals.
  // One per address: the devcloud starts one runner per fixed IP of a server.
  const runDir = path.join(options.dir, `workload-run-${options.ip}`);
  fs.rmSync(runDir, { recursive: true, force: true });
  fs.mkdirSync(runDir, { recursive: true });
  fs.mkdirSync(options.disk, { recursive: true });
  const binDir = path.join(runDir, 'bin');
  installStandIns(binDir, process.execPath, path.resolve(process.argv[1]));
  const supervisor = new UnitSupervisor(
    { disk: options.disk, ip: options.ip, runDir, unitEnv: options.unitEnv },
    say,
  );
  const socketPath = path.join(runDir, 'systemctl.sock');
  const control = await serveControlSocket(socketPath, (args) => runSystemctl(supervisor, args));
  say(
    `[workload] booting ${options.name} (instance ${options.instanceId}) at ${options.ip}, disk ${options.disk}`,
  );

  let stopping = false;
  const running = new Set<() => void>();
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    say(`[workload] ${signal}: stopping ${supervisor.runningNames().join(', ') || 'nothing'}`);
    for (const kill of running) kill();
    await supervisor.stopAll();
    control.close();
    say('[workload] powered off');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  await bootVm({
    options,
    supervisor,
    console: say,
    runcmdPath: `${binDir}${path.delimiter}${process.env['PATH'] ?? '/usr/bin:/bin'}`,
    socketPath,
    journalDir: path.join(runDir, 'journal'),
    stopping: () => stopping,
    track: (kill) => {
      running.add(kill);
      return () => running.delete(kill);
    },
  });
  // The control socket keeps the process (the "VM") up until the devcloud kills it.
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === 'stand-in') {
    process.exitCode = await runStandIn(argv[1] ?? '', argv.slice(2));
    return;
  }
  try {
    await runVm(argv);
  } catch (error) {
    process.stderr.write(
      `${error instanceof WorkloadUsageError ? '' : 'devcloud workload runner: '}${(error as Error).message}\n`,
    );
    process.exit(2);
  }
}

void main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
});
