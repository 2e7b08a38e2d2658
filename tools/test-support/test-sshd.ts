/**
 * A real OpenSSH server for tests, on its own 127.x address and a free port, started as a child
 * process: a host key and a client key made with ssh-keygen in a private directory, public-key
 * login only, and sftp only (`ForceCommand internal-sftp`) inside a chroot, so what a client
 * writes to `/home/<user>/...` lands under `root` here and nowhere else on the machine.
 *
 * sshd needs root (to chroot and to start its privilege-separated child); `unavailableReason()`
 * says why it cannot run here, for a one-line skip.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { findSystemTool, missingToolsReason, SYSTEM_TOOLS } from '@osa/openstack-testkit';
import { freeLoopbackPort } from '../bake-image/service-bundle';
import { loopbackAddress } from './workload-vm';

const START_TIMEOUT_MS = 10_000;

export class TestSshd {
  private child: ChildProcess | undefined;
  private log = '';

  private constructor(
    /** The private directory: keys, config, the chroot. Removed by `remove()`. */
    readonly dir: string,
    readonly address: string,
    readonly port: number,
    /** The client key the server accepts (no passphrase). */
    readonly keyFile: string,
    /** A client key the server does not accept. */
    readonly strangerKeyFile: string,
    readonly user: string,
  ) {}

  /** Why a TestSshd cannot run on this machine, or undefined when it can. */
  static unavailableReason(): string | undefined {
    const missing = missingToolsReason([
      SYSTEM_TOOLS.sshd,
      SYSTEM_TOOLS.sftp,
      SYSTEM_TOOLS.sshKeygen,
    ]);
    if (missing) return missing;
    if (process.getuid?.() !== 0) return 'sshd for tests needs root (chroot, privilege separation)';
    return undefined;
  }

  /** Keys and config, not yet listening (`start()` makes it listen). */
  static async prepare(): Promise<TestSshd> {
    // Not under /tmp: sshd chroots only into a path whose every component is root's and
    // writable by nobody else (/tmp is world-writable). /run is root's, as sshd itself needs.
    const dir = fs.mkdtempSync('/run/osa-test-sshd-');
    try {
      return await TestSshd.prepareIn(dir);
    } catch (error) {
      fs.rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }

  private static async prepareIn(dir: string): Promise<TestSshd> {
    fs.chmodSync(dir, 0o700);
    const user = os.userInfo().username;
    const keygen = (file: string): void => {
      const made = spawnSync(
        findSystemTool('ssh-keygen') as string,
        ['-q', '-t', 'ed25519', '-N', '', '-f', file],
        {
          encoding: 'utf8',
        },
      );
      if (made.status !== 0) throw new Error(`ssh-keygen failed: ${made.stderr}`);
    };
    keygen(path.join(dir, 'host_ed25519'));
    keygen(path.join(dir, 'client'));
    keygen(path.join(dir, 'stranger'));
    fs.copyFileSync(path.join(dir, 'client.pub'), path.join(dir, 'authorized_keys'));
    // The chroot must be owned by root and writable by nobody else; the user's home inside it is theirs.
    const root = path.join(dir, 'root');
    fs.mkdirSync(path.join(root, 'home', user), { recursive: true, mode: 0o755 });
    fs.chmodSync(root, 0o755);
    fs.chmodSync(path.join(root, 'home'), 0o755);
    const address = loopbackAddress();
    return new TestSshd(
      dir,
      address,
      await freeLoopbackPort(address),
      path.join(dir, 'client'),
      path.join(dir, 'stranger'),
      user,
    );
  }

  /** Where a client's `/home/<user>/...` lands. */
  pathOnServer(remotePath: string): string {
    return path.join(this.dir, 'root', remotePath);
  }

  /** Starts sshd and resolves once it accepts TCP connections. */
  async start(): Promise<void> {
    // sshd refuses to start without its privilege-separation directory (the package's unit makes it).
    fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    const config = path.join(this.dir, 'sshd_config');
    fs.writeFileSync(
      config,
      [
        `ListenAddress ${this.address}:${this.port}`,
        `HostKey ${path.join(this.dir, 'host_ed25519')}`,
        `PidFile ${path.join(this.dir, 'sshd.pid')}`,
        `AuthorizedKeysFile ${path.join(this.dir, 'authorized_keys')}`,
        'StrictModes no',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'UsePAM no',
        'PermitRootLogin prohibit-password',
        `AllowUsers ${this.user}`,
        `ChrootDirectory ${path.join(this.dir, 'root')}`,
        'ForceCommand internal-sftp',
        'Subsystem sftp internal-sftp',
        'LogLevel VERBOSE',
        '',
      ].join('\n'),
    );
    const sshd = findSystemTool('sshd') as string;
    // sshd wants to be started by its absolute path (it re-executes itself per connection).
    const child = spawn(sshd, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    // A jest worker that dies leaves no sshd listening behind it.
    const killOnExit = (): void => void child.kill('SIGKILL');
    process.once('exit', killOnExit);
    child.once('exit', () => process.off('exit', killOnExit));
    this.child.stderr?.on('data', (chunk: Buffer) => (this.log += chunk.toString('utf8')));
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (!(await accepts(this.address, this.port))) {
      if (this.child.exitCode !== null)
        throw new Error(`sshd exited (${this.child.exitCode}):\n${this.log}`);
      if (Date.now() > deadline)
        throw new Error(`sshd not listening after ${START_TIMEOUT_MS} ms:\n${this.log}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** What sshd logged (`-e`: to stderr). */
  get output(): string {
    return this.log;
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }

  async remove(): Promise<void> {
    await this.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
