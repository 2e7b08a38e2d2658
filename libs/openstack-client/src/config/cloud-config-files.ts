import * as path from 'node:path';

/**
 * Where clouds.yaml and secure.yaml are looked for, in openstacksdk's order (config/loader.py):
 * the file named by OS_CLIENT_CONFIG_FILE / OS_CLIENT_SECURE_FILE, then the current directory,
 * `~/.config/openstack/`, `/etc/openstack/`; `.yaml` before `.yml`. The first file found is used.
 */
export function configSearchDirs(cwd: string, homeDir: string): string[] {
  return [cwd, path.join(homeDir, '.config', 'openstack'), '/etc/openstack'];
}

export function cloudsYamlCandidates(cwd: string, homeDir: string): string[] {
  return configSearchDirs(cwd, homeDir).flatMap((dir) => [
    path.join(dir, 'clouds.yaml'),
    path.join(dir, 'clouds.yml'),
  ]);
}

export function secureYamlCandidates(cwd: string, homeDir: string): string[] {
  return configSearchDirs(cwd, homeDir).flatMap((dir) => [
    path.join(dir, 'secure.yaml'),
    path.join(dir, 'secure.yml'),
  ]);
}
