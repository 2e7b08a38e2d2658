/** What every step of a deploy or destroy gets: the options, the client and the run's machinery. */
import type { OpenStackClient } from '@osa/openstack-client';
import type { RequestLog } from '../bake-image/bake-errors';
import type { CleanupStack } from '../bake-image/cleanup-stack';
import type { ProgressReporter } from '../bake-image/progress-reporter';
import type { DeployOptions } from './deploy-options';
import type { VmDelivery } from './delivery/vm-delivery';

export interface DeployContext {
  options: DeployOptions;
  client: OpenStackClient;
  progress: ProgressReporter;
  /** What this run created; unwound on failure or interrupt. Nothing found existing is ever in it. */
  cleanup: CleanupStack;
  /** Fires on SIGINT/SIGTERM: every wait stops at once. */
  signal: AbortSignal;
  requests: RequestLog;
  delivery: VmDelivery;
  /** Unique per run: the console markers of a VM this run boots carry it. */
  deployId: string;
}

/** Server metadata of the controller VM (how a re-run and --destroy know it is ours and what it runs). */
export const ControllerVmMetadata = {
  role: 'osa_role',
  deployId: 'osa_deploy_id',
  releaseSha256: 'osa_release_sha256',
  configSha256: 'osa_config_sha256',
  applicationCredentialId: 'osa_app_credential_id',
} as const;
export const CONTROLLER_VM_ROLE = 'controller-vm';
/** Description of the security group and the credential this tool makes (how --destroy knows them). */
export const MADE_BY = 'made by osa deploy-controller';

export function applicationCredentialName(vmName: string): string {
  return `osa-controller-${vmName}`;
}
