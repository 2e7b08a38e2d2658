import type { CloudConfig, ResolveCloudConfigInput } from './cloud-config';

/**
 * Resolves credentials exactly like the `openstack` CLI, as a pure function:
 * with a cloud name (argument or OS_CLOUD): clouds.yaml + secure.yaml, searched in
 * OS_CLIENT_CONFIG_FILE / OS_CLIENT_SECURE_FILE, `<cwd>/`, `<home>/.config/openstack/`, `/etc/openstack/`
 * (first file found wins), then OS_* variables override individual settings; without one, the OS_* variables.
 * Throws ConfigError naming the variable or clouds.yaml key.
 */
export function resolveCloudConfig(_input: ResolveCloudConfigInput): CloudConfig {
  throw new Error('TODO');
}
