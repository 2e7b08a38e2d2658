/**
 * A devcloud "server" for tests: its directory as the devcloud makes it (instance.json, user_data,
 * disk/) and the built workload runner (dist/tools/devcloud-workload/main.js) started on it as a
 * real child process, exactly as the devcloud does (argv from .ci/devcloud.sh's DEVCLOUD_VM_CMD,
 * env DEVCLOUD_*, its own session), each on its own 127.x address.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

const WORKSPACE_ROOT = path.resolve(__dirname, '../..');
export const RUNNER = path.join(WORKSPACE_ROOT, 'dist/tools/devcloud-workload/main.js');
const SERVICE_PORT = 5000;
const BOOT_TIMEOUT_MS = 20_000;

/** A fresh loopback address per server, so tests never share a listener. */
export function loopbackAddress(): string {
  const b = randomBytes(3);
  return `127.${60 + (b[0] % 100)}.${b[1] % 250}.${2 + (b[2] % 250)}`;
}

export interface Server {
  dir: string;
  disk: string;
  ip: string;
  uuid: string;
}

/** The per-server directory the devcloud makes: instance.json, user_data (if any), disk/. */
export function makeServer(root: string, userData?: string, disk?: string): Server {
  const uuid = randomUUID();
  const dir = path.join(root, uuid);
  fs.mkdirSync(dir, { recursive: true });
  const server = { dir, disk: path.join(dir, 'disk'), ip: loopbackAddress(), uuid };
  if (disk) fs.cpSync(disk, server.disk, { recursive: true, verbatimSymlinks: true });
  else fs.mkdirSync(server.disk);
  fs.writeFileSync(path.join(dir, 'instance.json'), JSON.stringify({ id: uuid }));
  if (userData !== undefined) fs.writeFileSync(path.join(dir, 'user_data'), userData);
  return server;
}

export class Boot {
  private text = '';
  readonly exited: Promise<number | null>;
  private readonly waiters: (() => void)[] = [];

  constructor(readonly child: ChildProcess) {
    const append = (chunk: Buffer): void => {
      this.text += chunk.toString('utf8');
      for (const w of this.waiters.splice(0)) w();
    };
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  }

  get console(): string {
    return this.text;
  }

  /** Resolves with the first console line matching `pattern`; rejects with the console after `timeoutMs`. */
  async line(pattern: RegExp, timeoutMs = BOOT_TIMEOUT_MS): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.text.split('\n').find((l) => pattern.test(l));
      if (found !== undefined) return found;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `no console line matching ${pattern} within ${timeoutMs} ms; console:\n${this.text}`,
        );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 500));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** As the devcloud stops a server: SIGTERM to the workload's process group (it runs in its own session). */
  async stop(): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null && this.child.pid) {
      process.kill(-this.child.pid, 'SIGTERM');
    }
    return this.exited;
  }
}

const boots: Boot[] = [];

export async function stopAllBoots(): Promise<void> {
  await Promise.all(boots.splice(0).map((b) => b.stop()));
}

/**
 * Starts the runner the way devcloud does with .ci/devcloud.sh's DEVCLOUD_VM_CMD: its words with
 * the placeholders filled in, DEVCLOUD_* in the environment (the name only there).
 */
export function bootServer(server: Server, name = 'vm'): Boot {
  const argv = [
    RUNNER,
    '--dir',
    server.dir,
    '--disk',
    server.disk,
    '--ip',
    server.ip,
    '--port',
    String(SERVICE_PORT),
    '--uuid',
    server.uuid,
    '--unit-env',
    'WORK_DELAY_MS=7',
  ];
  // Like devcloud's Popen: cwd the server's directory, a new session (start_new_session=True).
  const child = spawn(process.execPath, argv, {
    cwd: server.dir,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env['PATH'],
      DEVCLOUD_UUID: server.uuid,
      DEVCLOUD_NAME: name,
      DEVCLOUD_IP: server.ip,
      DEVCLOUD_PORT: String(SERVICE_PORT),
      DEVCLOUD_DIR: server.dir,
      DEVCLOUD_DISK: server.disk,
    },
  });
  const b = new Boot(child);
  boots.push(b);
  return b;
}
