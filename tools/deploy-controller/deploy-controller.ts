/**
 * The deploy, seed sections 11-15 in order, each a named step with a progress line and a timing:
 *
 *   release         the self-contained controller release (before any cloud call)
 *   cloud           token, base image, flavor, network, key pair (read-only)
 *   vm-check        an existing controller VM: reuse when nothing differs, else replace it
 *   security-group  the VM's own group: tcp/<port> only
 *   credential      the VM's application credential
 *   vm              boot, ACTIVE, address
 *   deliver         release + config + credentials onto the VM (not user data)
 *   install         the VM's installer reports on the console
 *   serve           http://<address>:<port>/ answers
 *
 * Failure anywhere unwinds what this run created (the caller's job, main.ts).
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Secret } from '@osa/openstack-client';
import { sha256Hex } from '../bake-image/cloud-init-user-data';
import { buildControllerRelease, type ControllerRelease } from './controller-release';
import {
  configurationSha256,
  controllerEnvFile,
  controllerUnit,
  controllerUserData,
  controllerYamlForVm,
  vmCloudsYaml,
} from './controller-vm-files';
import type { DeployContext } from './deploy-context';
import { createAppCredential, type ControllerCredential } from './steps/ensure-app-credential.step';
import { ensureSecurityGroup } from './steps/ensure-security-group.step';
import { findCloudResources } from './steps/find-cloud-resources.step';
import {
  bootControllerVm,
  findExistingVm,
  removeControllerVm,
  waitForActive,
} from './steps/controller-vm.step';
import { deliverFiles, waitForInstalled, waitForServing } from './steps/install-controller.step';

export interface DeployResult {
  serverId: string;
  address: string;
  url: string;
  outcome: 'created' | 'replaced' | 'unchanged';
  summary: string[];
}

/** The admin token: kept in --admin-token-file (0600) so a re-run keeps the same one. */
function adminToken(ctx: DeployContext): Secret | undefined {
  const file = ctx.options.adminTokenFile;
  if (!ctx.options.adminListen) return undefined;
  if (fs.existsSync(file)) return new Secret(fs.readFileSync(file, 'utf8').trim());
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
  ctx.cleanup.register({
    resource: `admin token file ${file}`,
    undo: async () => (fs.rmSync(file, { force: true }), 'removed'),
  });
  ctx.progress.line('release', `admin bearer token made and kept in ${file} (mode 600)`);
  return new Secret(fs.readFileSync(file, 'utf8').trim());
}

export async function runDeploy(ctx: DeployContext): Promise<DeployResult> {
  const { options, progress } = ctx;
  const userYaml = fs.readFileSync(options.controllerConfigPath, 'utf8');
  const token = adminToken(ctx);
  const release: ControllerRelease = await progress.step(
    'release',
    'self-contained controller release',
    async () => {
      // The YAML is checked before anything else (the VM address is filled in once it is known).
      controllerYamlForVm(options.controllerConfigPath, userYaml, {
        listenHost: '0.0.0.0',
        proxyPort: options.proxyPort,
        adminHost: '127.0.0.1',
        adminPort: options.adminPort,
      });
      const built = buildControllerRelease(
        options.workspaceRoot,
        options.nodeBinary,
        path.join(options.workspaceRoot, '.osa', 'deploy'),
      );
      progress.line(
        'release',
        `${built.file}: ${(built.bytes / 1e6).toFixed(1)} MB, sha256 ${built.sha256}, node ${built.nodeVersion}`,
      );
      return built;
    },
  );
  const configSha256 = configurationSha256([
    userYaml,
    options.listenHost ?? '<vm address>',
    String(options.proxyPort),
    options.adminListen ?? '<loopback>',
    String(options.adminPort),
    token ? sha256Hex(token.reveal()) : '<no token>',
    controllerUnit(),
  ]);

  const resources = await progress.step('cloud', 'cloud resources (read-only)', () =>
    findCloudResources(ctx),
  );
  const existing = await progress.step('vm-check', `existing controller VM ${options.vmName}`, () =>
    findExistingVm(ctx, release.sha256, configSha256),
  );
  if (existing.kind === 'reuse') {
    progress.line(
      'vm-check',
      `${options.vmName} (${existing.server.id}) exists, runs this release and configuration: unchanged`,
    );
    await progress.step('security-group', `security group ${options.securityGroup}`, () =>
      ensureSecurityGroup(ctx),
    );
    const url = `http://${existing.address}:${options.proxyPort}/`;
    const answer = await progress.step('serve', url, () =>
      waitForServing(ctx, existing.address, options.proxyPort),
    );
    return finish(
      ctx,
      { serverId: existing.server.id, address: existing.address, url, outcome: 'unchanged' },
      answer,
      undefined,
      release,
    );
  }
  if (existing.kind === 'replace') {
    progress.line(
      'vm-check',
      `${options.vmName} (${existing.server.id}) is ours but differs (${existing.reason}): replacing it`,
    );
    await progress.step(
      'vm-check',
      `delete ${options.vmName} (${existing.server.id}) and its credential`,
      () => removeControllerVm(ctx, existing.server),
    );
  } else progress.line('vm-check', `no server named ${options.vmName}: booting one`);

  const group = await progress.step(
    'security-group',
    `security group ${options.securityGroup}`,
    () => ensureSecurityGroup(ctx),
  );
  const credential = await progress.step('credential', 'application credential for the VM', () =>
    createAppCredential(ctx, resources.roles),
  );
  const userData = controllerUserData({
    deployId: ctx.deployId,
    releaseSha256: release.sha256,
    sshUser: options.sshUser,
    uploadWaitSeconds: Math.ceil(options.installTimeoutMs / 1000),
  });
  const vm = await progress.step('vm', `boot ${options.vmName} (seed 11)`, async () => {
    progress.line(
      'vm',
      `user data ${userData.base64Bytes} bytes after base64 (unit + installer; no release, no secret)`,
    );
    const { id } = await bootControllerVm(ctx, {
      resources,
      securityGroupName: group.group.name,
      userData: userData.text,
      releaseSha256: release.sha256,
      configSha256,
      credentialId: credential.credential.id,
    });
    const active = await waitForActive(ctx, id);
    progress.line('vm', `${options.vmName} (${id}) ACTIVE at ${active.address}`);
    return { id, address: active.address };
  });

  const adminHost =
    options.adminListen === 'vm' ? vm.address : (options.adminListen ?? '127.0.0.1');
  const yaml = controllerYamlForVm(options.controllerConfigPath, userYaml, {
    listenHost: options.listenHost ?? vm.address,
    proxyPort: options.proxyPort,
    adminHost,
    adminPort: options.adminPort,
  });
  const session = ctx.client.session.options;
  await progress.step(
    'deliver',
    'release, controller.yaml, clouds.yaml, controller.env onto the VM',
    () =>
      deliverFiles(
        ctx,
        { serverId: vm.id, address: vm.address },
        {
          release: release.file,
          controllerYaml: yaml.text,
          cloudsYaml: vmCloudsYaml({
            authUrl: session.auth.authUrl,
            regionName: session.regionName,
            interface: session.interface,
            applicationCredentialId: credential.credential.id,
            applicationCredentialSecret: credential.credential.secret,
          }),
          controllerEnv: controllerEnvFile(token),
        },
      ),
  );
  const installed = await progress.step('install', 'installer on the VM (console)', () =>
    waitForInstalled(ctx, vm.id),
  );
  progress.line('install', installed);
  const url = `http://${vm.address}:${options.proxyPort}/`;
  const answer = await progress.step('serve', url, () =>
    waitForServing(ctx, vm.address, options.proxyPort),
  );
  return finish(
    ctx,
    {
      serverId: vm.id,
      address: vm.address,
      url,
      outcome: existing.kind === 'replace' ? 'replaced' : 'created',
    },
    answer,
    credential,
    release,
  );
}

function finish(
  ctx: DeployContext,
  result: Omit<DeployResult, 'summary'>,
  answer: string,
  credential: ControllerCredential | undefined,
  release: ControllerRelease,
): DeployResult {
  const { options } = ctx;
  const ssh = `ssh -i ${path.relative(process.cwd(), options.keyFile) || options.keyFile} ${options.sshUser}@${result.address}`;
  const adminUrl = `http://${options.adminListen === 'vm' ? result.address : (options.adminListen ?? '127.0.0.1')}:${options.adminPort}`;
  const summary = [
    '',
    `controller VM ${options.vmName} (${result.serverId}): ${result.outcome}; ${answer}`,
    `  release:     sha256 ${release.sha256} (${(release.bytes / 1e6).toFixed(1)} MB, node ${release.nodeVersion}), verified on the VM before it started`,
    credential
      ? `  credential:  application credential ${credential.credential.name} (${credential.credential.id}), project-bound, restricted; access rules: ${credential.accessRules}`
      : '  credential:  the VM keeps its application credential (unchanged)',
    `  clients:     ${result.url}   (seed 16: for i in $(seq 1 20); do curl -s -i ${result.url} | grep -E '^HTTP|X-Instance-Address|hello'; sleep 1; done)`,
    options.delivery === 'ssh'
      ? `  log:         ${ssh} sudo journalctl -u osa-controller -f`
      : `  log:         openstack console log show ${result.serverId}   (the unit's journal goes to the console here)`,
    options.adminListen
      ? `  status:      OSA_ADMIN_TOKEN="$(cat ${options.adminTokenFile})" npx osa status --url ${adminUrl}`
      : `  status:      ${options.delivery === 'ssh' ? `${ssh} curl -s ${adminUrl}/v1/status` : `curl -s ${adminUrl}/v1/status   (admin stays on the VM's loopback)`}`,
    `  remove:      npx nx run tools:deploy-controller -- --destroy${options.vmName !== 'controller' ? ` --name=${options.vmName}` : ''} [--delete-scaled-servers]`,
  ];
  return { ...result, summary };
}
