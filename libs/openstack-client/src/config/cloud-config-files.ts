import * as path from 'node:path';

/** File name endings tried in each directory, in openstacksdk's order (YAML_SUFFIXES + JSON_SUFFIXES). */
export const CONFIG_FILE_SUFFIXES = ['.yaml', '.yml', '.json'] as const;

/**
 * Where clouds.yaml and secure.yaml are looked for, in openstacksdk's order (config/loader.py
 * CONFIG_SEARCH_PATH): the current directory, the user config dir (`$XDG_CONFIG_HOME/openstack`
 * when XDG_CONFIG_HOME is set, as platformdirs reads it), `~/.config/openstack/`, then
 * `/etc/openstack/`. In each, `.yaml`, `.yml`, then `.json`; the first file found is used (a file
 * named by OS_CLIENT_CONFIG_FILE / OS_CLIENT_SECURE_FILE comes before all of them). Pure: the
 * environment is an argument, so it is tested with a fake one.
 */
export function configSearchDirs(
  cwd: string,
  homeDir: string,
  env: Readonly<Record<string, string | undefined>> = {},
): string[] {
  const unixConfigHome = path.join(homeDir, '.config', 'openstack');
  const xdg = env['XDG_CONFIG_HOME']?.trim();
  // platformdirs ignores a relative XDG_CONFIG_HOME only in newer releases; the spec says absolute.
  const userConfigHome = xdg && path.isAbsolute(xdg) ? path.join(xdg, 'openstack') : unixConfigHome;
  return [...new Set([cwd, userConfigHome, unixConfigHome, '/etc/openstack'])];
}

function candidates(
  base: string,
  cwd: string,
  homeDir: string,
  env: Readonly<Record<string, string | undefined>>,
): string[] {
  return configSearchDirs(cwd, homeDir, env).flatMap((dir) =>
    CONFIG_FILE_SUFFIXES.map((suffix) => path.join(dir, base + suffix)),
  );
}

export function cloudsYamlCandidates(
  cwd: string,
  homeDir: string,
  env: Readonly<Record<string, string | undefined>> = {},
): string[] {
  return candidates('clouds', cwd, homeDir, env);
}

export function secureYamlCandidates(
  cwd: string,
  homeDir: string,
  env: Readonly<Record<string, string | undefined>> = {},
): string[] {
  return candidates('secure', cwd, homeDir, env);
}
