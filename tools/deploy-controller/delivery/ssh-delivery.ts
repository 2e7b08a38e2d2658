/**
 * Delivery over SSH, as seed section 11 reaches the controller VM by hand: `sftp` (OpenSSH, on
 * every machine that has `ssh`) with the seed's key pair, retried until sshd answers (bounded).
 * The secret files go from a 0700 temporary directory (files 0600, removed afterwards) through
 * the encrypted channel; the sftp batch names only paths. The VM's host key is accepted on first
 * contact into a known_hosts file of this run only (the VM is new; a real CA-signed host key
 * setup can pass its own -o options through OSA_DEPLOY_SSH_OPTIONS).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { COMPLETE_FILE, incomingDir, RELEASE_FILE } from '../controller-vm-files';
import type { DeliveryFiles, DeliveryTarget, VmDelivery } from './vm-delivery';

const CONNECT_TIMEOUT_S = 10;

export class SshDelivery implements VmDelivery {
  constructor(
    private readonly keyFile: string,
    private readonly user: string,
    private readonly extraOptions: string[] = (process.env['OSA_DEPLOY_SSH_OPTIONS'] ?? '')
      .split(/\s+/)
      .filter(Boolean),
  ) {}

  describe(target: DeliveryTarget): string {
    return `sftp to ${this.user}@${target.address} with ${this.keyFile}`;
  }

  async deliver(
    target: DeliveryTarget,
    files: DeliveryFiles,
    deadline: number,
    signal: AbortSignal,
    progress: (line: string) => void,
  ): Promise<void> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'osa-deploy-'));
    try {
      fs.chmodSync(dir, 0o700);
      const local = (name: string, content: string, mode: number): string => {
        const file = path.join(dir, name);
        fs.writeFileSync(file, content, { mode });
        return file;
      };
      const remote = incomingDir(this.user);
      const batch = [
        `-mkdir ${remote}`,
        `chmod 700 ${remote}`,
        `put ${files.release} ${remote}/${RELEASE_FILE}`,
        `put ${local('controller.yaml', files.controllerYaml, 0o600)} ${remote}/controller.yaml`,
        `put ${local('clouds.yaml', files.cloudsYaml.reveal(), 0o600)} ${remote}/clouds.yaml`,
        `chmod 600 ${remote}/clouds.yaml`,
        `put ${local('controller.env', files.controllerEnv.reveal(), 0o600)} ${remote}/controller.env`,
        `chmod 600 ${remote}/controller.env`,
        `put ${local(COMPLETE_FILE, `${new Date().toISOString()}\n`, 0o600)} ${remote}/${COMPLETE_FILE}`,
      ];
      const batchFile = local('batch', `${batch.join('\n')}\n`, 0o600);
      const args = [
        '-b',
        batchFile,
        '-i',
        this.keyFile,
        '-o',
        'BatchMode=yes',
        '-o',
        'StrictHostKeyChecking=accept-new',
        '-o',
        `UserKnownHostsFile=${path.join(dir, 'known_hosts')}`,
        '-o',
        `ConnectTimeout=${CONNECT_TIMEOUT_S}`,
        ...this.extraOptions,
        `${this.user}@${target.address}`,
      ];
      for (let attempt = 1; ; attempt++) {
        signal.throwIfAborted();
        const result = await runSftp(args, Math.max(1_000, deadline - Date.now()), signal);
        if (result.code === 0) return;
        // 255: ssh could not connect or authenticate yet (sshd still starting, key not installed).
        if (Date.now() + 5_000 > deadline)
          throw new Error(
            `sftp to ${this.user}@${target.address} failed (exit ${result.code}): ${sftpReason(result.stderr, result.code)}`,
          );
        progress(
          `sftp attempt ${attempt}: ${sftpReason(result.stderr, result.code)}; retrying in 5s`,
        );
        await new Promise((resolve) => setTimeout(resolve, 5_000));
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
}

/**
 * What went wrong, in ssh's own words: its last lines without the generic ones ("Connection
 * closed" follows every failure; the host key note is not a failure).
 */
export function sftpReason(stderr: string, code: number): string {
  const lines = stderr
    .split('\n')
    .map((line) => line.trim())
    .filter(
      (line) =>
        line !== '' &&
        !/^Connection closed\.?$/.test(line) &&
        !/^Warning: Permanently added /.test(line),
    );
  return lines.length > 0 ? lines.slice(-2).join(' ') : `exit ${code}`;
}

function runSftp(
  args: string[],
  timeoutMs: number,
  signal: AbortSignal,
): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('sftp', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const kill = (): void => {
      child.kill('SIGTERM');
    };
    const timer = setTimeout(kill, timeoutMs);
    signal.addEventListener('abort', kill, { once: true });
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: 127, stderr: `sftp: ${error.message} (install openssh-client)` });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', kill);
      resolve({ code: code ?? 1, stderr });
    });
  });
}
