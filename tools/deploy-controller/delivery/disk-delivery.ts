/**
 * Delivery for a cloud whose servers' root file systems are directories on this machine
 * (`<disk root>/<server id>/disk`, the devcloud's per-server disk): the files are written straight
 * into the VM's incoming directory, the way an upload over SSH would leave them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { COMPLETE_FILE, incomingDir, RELEASE_FILE } from '../controller-vm-files';
import type { DeliveryFiles, DeliveryTarget, VmDelivery } from './vm-delivery';

export class DiskDelivery implements VmDelivery {
  constructor(
    private readonly diskRoot: string,
    private readonly sshUser: string,
  ) {}

  private disk(target: DeliveryTarget): string {
    return path.join(this.diskRoot, target.serverId, 'disk');
  }

  describe(target: DeliveryTarget): string {
    return `disk ${this.disk(target)}`;
  }

  async deliver(
    target: DeliveryTarget,
    files: DeliveryFiles,
    deadline: number,
    signal: AbortSignal,
    progress: (line: string) => void,
  ): Promise<void> {
    const disk = this.disk(target);
    // The compute host makes the disk as the server spawns; it is there once the server is ACTIVE.
    while (!fs.existsSync(disk)) {
      signal.throwIfAborted();
      if (Date.now() > deadline)
        throw new Error(`${disk} does not exist: is --disk-root right for this cloud?`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const incoming = path.join(disk, incomingDir(this.sshUser));
    fs.mkdirSync(incoming, { recursive: true, mode: 0o700 });
    fs.copyFileSync(files.release, path.join(incoming, RELEASE_FILE));
    progress(`release copied to ${path.join(incoming, RELEASE_FILE)}`);
    fs.writeFileSync(path.join(incoming, 'controller.yaml'), files.controllerYaml, { mode: 0o640 });
    fs.writeFileSync(path.join(incoming, 'clouds.yaml'), files.cloudsYaml.reveal(), {
      mode: 0o600,
    });
    fs.writeFileSync(path.join(incoming, 'controller.env'), files.controllerEnv.reveal(), {
      mode: 0o600,
    });
    fs.writeFileSync(path.join(incoming, COMPLETE_FILE), `${new Date().toISOString()}\n`);
  }
}
