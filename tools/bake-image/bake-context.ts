/** What every step of a cloud bake gets: the options, the client, and the run's shared machinery. */
import type { BakeOptions } from './bake-options';
import type { CloudInitUserData } from './cloud-init-user-data';
import type { CloudToolBase } from './cloud-tool-run';
import type { ServiceBundle } from './service-bundle';

export interface BakeContext extends CloudToolBase {
  options: BakeOptions;
  /**
   * Fires on SIGINT/SIGTERM: every cloud call of a step gets it, so the HTTP call in flight is
   * destroyed at once, not only the waits. Two kinds of call do not: the creates wrapped in
   * `cleanup.adopt` (servers, images, network, subnet, key pair: a POST cut off after Nova or
   * Neutron acted would leave a resource whose id we never learn, so adopt lets it answer,
   * bounded, and the cleanup removes it), and the cleanup's own undo calls (they run after the
   * signal fired; the cleanup stack bounds each one).
   */
  signal: AbortSignal;
  bundle: ServiceBundle;
  userData: CloudInitUserData;
  /** Prerequisites this run created (network, rules, key pair): durable, kept on failure, reported. */
  createdPrerequisites: string[];
  /** Unique id of this bake (the ready marker of a VM this run boots carries it). */
  bakeId: string;
  /** clouds.yaml entry in use (--cloud, else OS_CLOUD), for the printed controller config. */
  cloudName?: string;
}

/** Sleeps, but wakes up (rejecting) as soon as the bake is interrupted. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason ?? new Error('aborted'));
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason ?? new Error('aborted'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Server metadata a bake writes on the base VM it boots (Nova metadata: string values, <= 255 chars). */
export const BaseVmMetadata = {
  role: 'osa_role',
  bakeId: 'osa_bake_id',
  bundleSha256: 'osa_bundle_sha256',
  serviceVersion: 'osa_service_version',
  readyAt: 'osa_ready_at',
} as const;

export const BASE_VM_ROLE = 'bake-base-vm';
