/**
 * How the release and the credentials reach the VM without user data (Nova's 64 KiB limit, and
 * user data is readable by anyone with the server's metadata). Each delivery puts the files in
 * the VM's incoming directory and writes the COMPLETE marker last, so the installer never sees
 * half an upload. Secret files are written mode 0600 and never pass through argv or a log.
 */
import type { Secret } from '@osa/openstack-client';

export interface DeliveryFiles {
  /** Local path of the release tar.gz. */
  release: string;
  controllerYaml: string;
  cloudsYaml: Secret;
  controllerEnv: Secret;
}

export interface DeliveryTarget {
  serverId: string;
  address: string;
}

export interface VmDelivery {
  /** e.g. `sftp to ubuntu@10.0.0.5`, `disk /var/lib/devcloud/vms/<id>/disk`. */
  describe(target: DeliveryTarget): string;
  /** Puts the files in the incoming directory, COMPLETE last; bounded by `deadline` (ms since epoch). */
  deliver(
    target: DeliveryTarget,
    files: DeliveryFiles,
    deadline: number,
    signal: AbortSignal,
    progress: (line: string) => void,
  ): Promise<void>;
}
