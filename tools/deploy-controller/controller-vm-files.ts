/**
 * Everything the controller VM gets, rendered here so it can be checked before any cloud call:
 *
 *   user data (cloud-init, a few KiB)  the systemd unit and the installer script, plus the sha256
 *                                      the release must have; runcmd runs the installer once
 *   uploaded files (not user data)     the release tar.gz, controller.yaml, and the two secret
 *                                      files clouds.yaml (application credential) and
 *                                      controller.env (admin token, when exposed)
 *
 * The installer waits (bounded) for the upload, refuses a release whose sha256 differs, installs
 * it, puts the files in /etc/osa with their modes and owners, starts the unit, and says so on the
 * serial console: `OSA-DEPLOY-READY:<deploy id> ...` or `OSA-DEPLOY-FAILED:<deploy id> <reason>`.
 */
import { Secret } from '@osa/openstack-client';
import { parse, stringify } from 'yaml';
import {
  base64Length,
  NOVA_USER_DATA_LIMIT_BYTES,
  sha256Hex,
} from '../bake-image/cloud-init-user-data';

export const UNIT_NAME = 'osa-controller.service';
export const SERVICE_USER = 'osa-controller';
export const INSTALL_DIR = '/opt/osa/controller';
export const CONFIG_DIR = '/etc/osa';
export const UNIT_PATH = `/etc/systemd/system/${UNIT_NAME}`;
export const INSTALLER_PATH = '/var/lib/osa-deploy/install.sh';
/** The clouds.yaml entry the controller on the VM uses. */
export const VM_CLOUD_NAME = 'osa-controller';
export const READY_MARKER = 'OSA-DEPLOY-READY';
export const FAILED_MARKER = 'OSA-DEPLOY-FAILED';
export const RELEASE_FILE = 'controller-release.tar.gz';
/** Written last by the upload: the installer starts only once it exists. */
export const COMPLETE_FILE = 'COMPLETE';

export function incomingDir(sshUser: string): string {
  return `/home/${sshUser}/osa-incoming`;
}

export function controllerUnit(): string {
  return `# Written by tools/deploy-controller (seed section 15, run the way seed section 9 runs the service).
[Unit]
Description=openstack-autoscaler controller
After=network-online.target
Wants=network-online.target

[Service]
User=${SERVICE_USER}
Group=${SERVICE_USER}
# clouds.yaml is found here (the current directory comes first, as for the openstack CLI).
WorkingDirectory=${CONFIG_DIR}
EnvironmentFile=-${CONFIG_DIR}/controller.env
ExecStart=${INSTALL_DIR}/bin/node ${INSTALL_DIR}/dist/apps/controller/main.js --config ${CONFIG_DIR}/controller.yaml
Restart=always
RestartSec=2
NoNewPrivileges=true
ProtectSystem=strict
ProtectHome=true
PrivateTmp=true
StandardOutput=journal
StandardError=journal

[Install]
WantedBy=multi-user.target
`;
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export interface InstallerInput {
  deployId: string;
  releaseSha256: string;
  sshUser: string;
  /** How long the VM waits for the upload before it reports failure. */
  uploadWaitSeconds: number;
}

/**
 * The installer. `$1` is the root it installs into: `/` on a VM. Given another directory (a disk
 * image being prepared, or the devcloud's per-server disk, where the workload runner passes the
 * disk for `/`), every path is under it and users and owners are left alone (said on the console).
 */
export function installerScript(input: InstallerInput): string {
  const incoming = incomingDir(input.sshUser);
  return `#!/bin/bash
# Written by tools/deploy-controller: runs once, at the controller VM's first boot (cloud-init runcmd).
set -u
root=\${1:-/}
root=\${root%/}
deploy_id=${shellQuote(input.deployId)}
expected_sha256=${shellQuote(input.releaseSha256)}
incoming="$root"${shellQuote(incoming)}
install_dir="$root"${shellQuote(INSTALL_DIR)}
config_dir="$root"${shellQuote(CONFIG_DIR)}
wait_seconds=${input.uploadWaitSeconds}

to_console() {
  printf '%s\\n' "$1"
  printf '%s\\n' "$1" > /dev/console 2>/dev/null || true
}

fail() {
  to_console "$(printf '%s:%s' ${FAILED_MARKER} "$deploy_id") $1"
  exit 1
}

waited=0
until [ -f "$incoming/${COMPLETE_FILE}" ]; do
  [ "$waited" -lt "$wait_seconds" ] || fail "nothing was uploaded to ${incoming} within \${wait_seconds}s"
  [ $((waited % 30)) -ne 0 ] || to_console "osa-deploy: waiting for the release in ${incoming} (\${waited}s of \${wait_seconds}s)"
  sleep 2
  waited=$((waited + 2))
done

actual_sha256=$(sha256sum "$incoming/${RELEASE_FILE}" | cut -d ' ' -f 1)
[ "$actual_sha256" = "$expected_sha256" ] ||
  fail "release sha256 is \${actual_sha256:-unreadable}, expected $expected_sha256: not installed"

rm -rf "$install_dir.new"
mkdir -p "$install_dir.new" || fail "cannot create $install_dir.new"
tar -xzf "$incoming/${RELEASE_FILE}" -C "$install_dir.new" --no-same-owner || fail "unpacking the release failed"
node_version=$("$install_dir.new/bin/node" --version 2>&1) || fail "the shipped node does not run on this VM: $node_version"
rm -rf "$install_dir"
mv "$install_dir.new" "$install_dir" || fail "cannot move the release to $install_dir"

install -d -m 0750 "$config_dir" || fail "cannot create $config_dir"
install -m 0640 "$incoming/controller.yaml" "$config_dir/controller.yaml" || fail "cannot install controller.yaml"
install -m 0600 "$incoming/clouds.yaml" "$config_dir/clouds.yaml" || fail "cannot install clouds.yaml"
install -m 0600 "$incoming/controller.env" "$config_dir/controller.env" || fail "cannot install controller.env"
if [ -z "$root" ]; then
  id -u ${SERVICE_USER} > /dev/null 2>&1 ||
    useradd --system --home-dir /var/lib/${SERVICE_USER} --create-home --shell /usr/sbin/nologin ${SERVICE_USER} ||
    fail "cannot create the ${SERVICE_USER} user"
  chown root:${SERVICE_USER} "$config_dir" "$config_dir/controller.yaml" || fail "chown $config_dir failed"
  chown ${SERVICE_USER}:${SERVICE_USER} "$config_dir/clouds.yaml" || fail "chown clouds.yaml failed"
else
  to_console "osa-deploy: installed into $root, not /: no ${SERVICE_USER} user made, owners left as they are"
fi
# The upload held the only other copy of the credentials on the VM.
rm -rf "$incoming"

systemctl daemon-reload || fail "systemctl daemon-reload failed"
systemctl enable --now ${UNIT_NAME} || fail "systemctl enable --now ${UNIT_NAME} failed"
for _ in 1 2 3; do
  sleep 1
  systemctl is-active ${UNIT_NAME} > /dev/null 2>&1 ||
    fail "${UNIT_NAME} is not active: $(journalctl -u ${UNIT_NAME} -n 5 --no-pager 2>&1 | tr '\\n' ' ')"
done
to_console "$(printf '%s:%s' ${READY_MARKER} "$deploy_id") release sha256 $expected_sha256 verified, node $node_version, ${UNIT_NAME} active"
`;
}

export class ControllerUserDataTooLargeError extends Error {}

/** The #cloud-config: unit + installer, run once. Checked against Nova's 64 KiB limit. */
export function controllerUserData(input: InstallerInput): { text: string; base64Bytes: number } {
  const document = {
    write_files: [
      { path: UNIT_PATH, content: controllerUnit(), permissions: '0644' },
      { path: INSTALLER_PATH, content: installerScript(input), permissions: '0755' },
    ],
    // The list form: the installer gets "/" as its root argument, with no shell re-parsing.
    runcmd: [['bash', INSTALLER_PATH, '/']],
  };
  const text = `#cloud-config\n${stringify(document, { lineWidth: 0 })}`;
  const base64Bytes = base64Length(Buffer.byteLength(text));
  if (base64Bytes > NOVA_USER_DATA_LIMIT_BYTES)
    throw new ControllerUserDataTooLargeError(
      `controller user data is ${base64Bytes} bytes after base64, over Nova's ${NOVA_USER_DATA_LIMIT_BYTES}`,
    );
  return { text, base64Bytes };
}

export class ControllerConfigError extends Error {
  constructor(file: string, problem: string) {
    super(`--controller-config ${file}: ${problem}`);
    this.name = 'ControllerConfigError';
  }
}

export interface VmConfigInput {
  listenHost: string;
  proxyPort: number;
  adminHost: string;
  adminPort: number;
}

/** What the VM-specific settings do to the user's controller.yaml (checked before any cloud call). */
export function controllerYamlForVm(
  file: string,
  yamlText: string,
  vm: VmConfigInput,
): { text: string; group: string; originalName?: string } {
  let doc: unknown;
  try {
    doc = parse(yamlText);
  } catch (error) {
    throw new ControllerConfigError(file, `not YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    throw new ControllerConfigError(file, 'must be a mapping (proxy:, provider:, scaling: ...)');
  const config = doc as Record<string, Record<string, unknown>>;
  const provider = (config.provider ?? {}) as Record<string, unknown>;
  if (provider.kind !== 'openstack')
    throw new ControllerConfigError(
      file,
      `provider.kind is ${JSON.stringify(provider.kind)}: the controller VM scales through the cloud, so it must be openstack`,
    );
  const openstack = (provider.openstack ?? {}) as Record<string, unknown>;
  if (openstack.cloud !== undefined && openstack.cloud !== VM_CLOUD_NAME) {
    // The VM has exactly one cloud entry: its own application credential.
  }
  provider.openstack = { ...openstack, cloud: VM_CLOUD_NAME };
  config.provider = provider;
  config.proxy = { ...(config.proxy ?? {}), listenHost: vm.listenHost, listenPort: vm.proxyPort };
  const admin = { ...(config.admin ?? {}) };
  if ('bearerToken' in admin)
    throw new ControllerConfigError(
      file,
      'admin.bearerToken is set in the YAML: remove it (the tool makes the token and keeps it out of the YAML)',
    );
  config.admin = { ...admin, listenHost: vm.adminHost, listenPort: vm.adminPort };
  const header = `# Written by tools/deploy-controller from ${file}: proxy, admin and provider.openstack.cloud set for the controller VM.\n`;
  return {
    text: header + stringify(config, { lineWidth: 0 }),
    group: typeof provider.group === 'string' ? provider.group : 'service',
    originalName: typeof provider.originalName === 'string' ? provider.originalName : undefined,
  };
}

export interface VmCredentialInput {
  authUrl: string;
  regionName?: string;
  interface?: string;
  applicationCredentialId: string;
  applicationCredentialSecret: Secret;
}

/** The VM's clouds.yaml: one entry, the application credential. A Secret: never printed. */
export function vmCloudsYaml(c: VmCredentialInput): Secret {
  const cloud: Record<string, unknown> = {
    auth_type: 'v3applicationcredential',
    auth: {
      auth_url: c.authUrl,
      application_credential_id: c.applicationCredentialId,
      application_credential_secret: c.applicationCredentialSecret.reveal(),
    },
    identity_api_version: 3,
  };
  if (c.regionName) cloud.region_name = c.regionName;
  if (c.interface) cloud.interface = c.interface;
  return new Secret(
    `# Written by tools/deploy-controller; mode 0600, owner ${SERVICE_USER}.\n${stringify({ clouds: { [VM_CLOUD_NAME]: cloud } })}`,
  );
}

/** EnvironmentFile of the unit: the admin token, when the admin listener is exposed. */
export function controllerEnvFile(adminToken: Secret | undefined): Secret {
  return new Secret(
    `# Written by tools/deploy-controller; mode 0600.\n${adminToken ? `OSA_ADMIN__BEARER_TOKEN=${adminToken.reveal()}\n` : ''}`,
  );
}

/** What the VM runs, as one hash: a re-run compares it with the VM's metadata. */
export function configurationSha256(parts: string[]): string {
  return sha256Hex(parts.join('\0'));
}
