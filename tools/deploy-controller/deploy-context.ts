/** What every step of a deploy or destroy gets: the options, the client and the run's machinery. */
import type { CloudToolBase } from '../bake-image/cloud-tool-run';
import type { DeployOptions } from './deploy-options';
import type { VmDelivery } from './delivery/vm-delivery';

/** `cleanup`: what this run created, unwound on failure or interrupt (nothing found existing is ever in it). */
export interface DeployContext extends CloudToolBase {
  options: DeployOptions;
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
