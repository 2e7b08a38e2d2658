/**
 * The disk is the VM's root file system: a path the VM sees (`/opt/service/main.js`) lives at
 * `<disk>/opt/service/main.js` on the host. Paths that would leave the disk are refused, so user
 * data can never write to the host.
 */
import * as path from 'node:path';

export class DiskPathError extends Error {
  constructor(vmPath: string, reason: string) {
    super(`path ${JSON.stringify(vmPath)}: ${reason}`);
    this.name = 'DiskPathError';
  }
}

/** Host path of an absolute VM path inside `disk`. */
export function hostPathInDisk(disk: string, vmPath: string): string {
  if (typeof vmPath !== 'string' || vmPath === '') throw new DiskPathError(String(vmPath), 'empty');
  if (!vmPath.startsWith('/')) {
    throw new DiskPathError(
      vmPath,
      'must be absolute (a path on the VM, like /opt/service/main.js)',
    );
  }
  if (vmPath.includes('\0')) throw new DiskPathError(vmPath, 'contains a NUL byte');
  const resolved = path.resolve(disk, `.${path.posix.normalize(vmPath)}`);
  const root = path.resolve(disk);
  if (resolved !== root && !resolved.startsWith(root + path.sep)) {
    throw new DiskPathError(vmPath, `leaves the disk ${root}`);
  }
  return resolved;
}
