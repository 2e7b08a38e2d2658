import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../common/errors';
import { Secret } from '../common/secret';
import { cloudsYamlCandidates, secureYamlCandidates } from './cloud-config-files';
import {
  ENDPOINT_INTERFACES,
  type AuthConfig,
  type CloudConfig,
  type CloudConfigFiles,
  type EndpointInterface,
  type ResolveCloudConfigInput,
} from './cloud-config';

/** The settings we understand, by their clouds.yaml name. */
type SettingKey =
  | 'auth_type'
  | 'auth_url'
  | 'username'
  | 'user_id'
  | 'password'
  | 'user_domain_name'
  | 'user_domain_id'
  | 'project_name'
  | 'project_id'
  | 'project_domain_name'
  | 'project_domain_id'
  | 'default_domain_id'
  | 'default_domain_name'
  | 'application_credential_id'
  | 'application_credential_name'
  | 'application_credential_secret'
  | 'region_name'
  | 'interface'
  | 'identity_api_version'
  | 'cacert'
  | 'insecure'
  | 'verify'
  | 'compute_api_version';

/** A value and where it came from (a variable name or a clouds.yaml key path), for messages. */
interface Setting {
  value: string;
  source: string;
}
type Settings = Partial<Record<SettingKey, Setting>>;

/** OS_* variables, as the `openstack` CLI (keystoneauth + openstacksdk) reads them. */
const ENV_VARIABLES: ReadonlyArray<readonly [string, SettingKey]> = [
  ['OS_AUTH_TYPE', 'auth_type'],
  ['OS_AUTH_URL', 'auth_url'],
  ['OS_USERNAME', 'username'],
  ['OS_USER_ID', 'user_id'],
  ['OS_PASSWORD', 'password'],
  ['OS_USER_DOMAIN_NAME', 'user_domain_name'],
  ['OS_USER_DOMAIN_ID', 'user_domain_id'],
  ['OS_TENANT_NAME', 'project_name'], // legacy v2 names, still set by old openrc files
  ['OS_TENANT_ID', 'project_id'],
  ['OS_PROJECT_NAME', 'project_name'],
  ['OS_PROJECT_ID', 'project_id'],
  ['OS_PROJECT_DOMAIN_NAME', 'project_domain_name'],
  ['OS_PROJECT_DOMAIN_ID', 'project_domain_id'],
  ['OS_DEFAULT_DOMAIN', 'default_domain_id'],
  ['OS_DEFAULT_DOMAIN_ID', 'default_domain_id'],
  ['OS_DEFAULT_DOMAIN_NAME', 'default_domain_name'],
  ['OS_APPLICATION_CREDENTIAL_ID', 'application_credential_id'],
  ['OS_APPLICATION_CREDENTIAL_NAME', 'application_credential_name'],
  ['OS_APPLICATION_CREDENTIAL_SECRET', 'application_credential_secret'],
  ['OS_REGION_NAME', 'region_name'],
  ['OS_ENDPOINT_TYPE', 'interface'], // legacy name of OS_INTERFACE
  ['OS_INTERFACE', 'interface'],
  ['OS_IDENTITY_API_VERSION', 'identity_api_version'],
  ['OS_CACERT', 'cacert'],
  ['OS_INSECURE', 'insecure'],
  ['OS_COMPUTE_API_VERSION', 'compute_api_version'],
];

/** Keys read from a cloud's `auth:` section. */
const AUTH_KEYS: readonly SettingKey[] = [
  'auth_url',
  'username',
  'user_id',
  'password',
  'user_domain_name',
  'user_domain_id',
  'project_name',
  'project_id',
  'project_domain_name',
  'project_domain_id',
  'default_domain_id',
  'default_domain_name',
  'application_credential_id',
  'application_credential_name',
  'application_credential_secret',
];
/** Keys read from the cloud entry itself. */
const CLOUD_KEYS: readonly SettingKey[] = [
  'auth_type',
  'region_name',
  'interface',
  'identity_api_version',
  'cacert',
  'insecure',
  'verify',
  'compute_api_version',
];

const SECRET_KEYS: ReadonlySet<SettingKey> = new Set(['password', 'application_credential_secret']);

const PASSWORD_AUTH_TYPES = ['password', 'v3password'];
const APP_CRED_AUTH_TYPES = ['v3applicationcredential'];

type Mode = { kind: 'env' } | { kind: 'cloud'; cloudName: string; file: string };

/**
 * Resolves credentials like the `openstack` CLI, as a pure function of `env` and `files`.
 *
 * With a cloud name (the `cloudName` argument, else OS_CLOUD): the first clouds.yaml found
 * (OS_CLIENT_CONFIG_FILE, `<cwd>/`, `<home>/.config/openstack/`, `/etc/openstack/`) and the first
 * secure.yaml (OS_CLIENT_SECURE_FILE, same directories), secure.yaml values winning; then any
 * OS_* variable overrides the single setting it names, as the CLI's option defaults do. An
 * OS_AUTH_URL or OS_AUTH_TYPE that disagrees with the cloud is refused (credentials of two clouds
 * mixed). Without a cloud name: the OS_* variables alone.
 *
 * Missing domains default to the domain with id `default` (OS_DEFAULT_DOMAIN changes it), as in the CLI.
 * Every problem is a ConfigError naming the variable or clouds.yaml key.
 */
export function resolveCloudConfig(input: ResolveCloudConfigInput): CloudConfig {
  const env = nonEmptyEnv(input.env);
  const cloudName = input.cloudName ?? env['OS_CLOUD'];
  const envSettings = readEnvSettings(env);
  if (cloudName === undefined) {
    if (envSettings.auth_url === undefined && Object.keys(envSettings).length === 0) {
      throw new ConfigError(
        'OS_CLOUD',
        'is not set, and neither are OS_AUTH_URL and the other OS_* variables: there are no OpenStack credentials',
        'set OS_CLOUD to a clouds.yaml entry, or source an openrc file',
      );
    }
    return buildCloudConfig(envSettings, { kind: 'env' }, 'environment (OS_* variables)', input);
  }
  const cloudNameSource = input.cloudName !== undefined ? 'cloudName' : 'OS_CLOUD';
  const clouds = loadCloudsFile(input, env, cloudName, cloudNameSource);
  const secure = loadSecureFile(input, env);
  const fileSettings = readCloudSettings(clouds.cloud, clouds.file, cloudName);
  if (secure) {
    const secureCloud = secure.clouds[cloudName];
    if (secureCloud !== undefined)
      Object.assign(fileSettings, readCloudSettings(secureCloud, secure.file, cloudName));
  }
  refuseContradictions(fileSettings, envSettings);
  const overridden = Object.keys(envSettings) as SettingKey[];
  const merged: Settings = { ...fileSettings, ...envSettings };
  // OS_INSECURE is the environment's answer to "verify TLS?": it overrides the file's `verify`
  // as well as its `insecure` (OS_INSECURE=false re-enables checks a clouds.yaml turned off).
  if (envSettings.insecure) delete merged.verify;
  const source =
    `clouds.yaml ${clouds.file} (cloud "${cloudName}")` +
    (secure && secure.clouds[cloudName] !== undefined ? ` + secure.yaml ${secure.file}` : '') +
    (overridden.length ? ` + ${overridden.map((k) => envSettings[k]?.source).join(', ')}` : '');
  return buildCloudConfig(merged, { kind: 'cloud', cloudName, file: clouds.file }, source, input);
}

function nonEmptyEnv(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  // `export OS_PROJECT_ID=` (as some openrc files do to clear a value) means "not set".
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env))
    if (value !== undefined && value.trim() !== '') out[key] = value.trim();
  return out;
}

function readEnvSettings(env: Record<string, string>): Settings {
  const settings: Settings = {};
  for (const [variable, key] of ENV_VARIABLES) {
    const value = env[variable];
    if (value === undefined) continue;
    // The modern name wins over the legacy one whatever the order (OS_PROJECT_NAME over OS_TENANT_NAME).
    const existing = settings[key];
    if (
      existing &&
      !existing.source.startsWith('OS_TENANT') &&
      existing.source !== 'OS_ENDPOINT_TYPE'
    )
      continue;
    settings[key] = { value, source: variable };
  }
  return settings;
}

// --- clouds.yaml / secure.yaml ---------------------------------------------------------------

type Obj = Record<string, unknown>;

function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseYamlFile(
  files: CloudConfigFiles,
  file: string,
  variable: string | undefined,
): Obj | undefined {
  const text = files.read(file);
  if (text === undefined) return undefined;
  // clouds.json / secure.json are read as JSON (openstacksdk's JSON_SUFFIXES), the rest as YAML.
  const isJson = path.extname(file).toLowerCase() === '.json';
  let doc: unknown;
  try {
    doc = isJson ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new ConfigError(file, `is not valid ${isJson ? 'JSON' : 'YAML'}: ${reason}`);
  }
  if (doc === null || doc === undefined) doc = {};
  if (!isObj(doc))
    throw new ConfigError(
      file,
      'should hold a mapping with a `clouds:` key',
      variable ? `named by ${variable}` : undefined,
    );
  const clouds = doc['clouds'] ?? {};
  if (!isObj(clouds))
    throw new ConfigError(`${file}: clouds`, 'should be a mapping of cloud names to settings');
  return clouds;
}

function findFile(
  files: CloudConfigFiles,
  explicit: { variable: string; value: string | undefined },
  candidates: string[],
  cwd: string,
): { file: string; clouds: Obj } | undefined {
  if (explicit.value !== undefined) {
    const file = path.resolve(cwd, explicit.value);
    const clouds = parseYamlFile(files, file, explicit.variable);
    if (clouds === undefined)
      throw new ConfigError(explicit.variable, `names ${file}, which does not exist`);
    return { file, clouds };
  }
  for (const file of candidates) {
    const clouds = parseYamlFile(files, file, undefined);
    if (clouds !== undefined) return { file, clouds };
  }
  return undefined;
}

function loadCloudsFile(
  input: ResolveCloudConfigInput,
  env: Record<string, string>,
  cloudName: string,
  cloudNameSource: string,
): { file: string; cloud: Obj } {
  const candidates = cloudsYamlCandidates(input.cwd, input.homeDir, env);
  const found = findFile(
    input.files,
    { variable: 'OS_CLIENT_CONFIG_FILE', value: env['OS_CLIENT_CONFIG_FILE'] },
    candidates,
    input.cwd,
  );
  if (!found) {
    throw new ConfigError(
      cloudNameSource,
      `is "${cloudName}" but no clouds.yaml was found`,
      `looked for clouds.yaml in: ${candidates.join(', ')}; OS_CLIENT_CONFIG_FILE can name another file`,
    );
  }
  const cloud = found.clouds[cloudName];
  if (cloud === undefined) {
    const names = Object.keys(found.clouds);
    throw new ConfigError(
      cloudNameSource,
      `is "${cloudName}" but ${found.file} has no such cloud`,
      names.length ? `clouds there: ${names.join(', ')}` : 'the file defines no clouds',
    );
  }
  if (!isObj(cloud))
    throw new ConfigError(`${found.file}: clouds.${cloudName}`, 'should be a mapping of settings');
  return { file: found.file, cloud };
}

function loadSecureFile(
  input: ResolveCloudConfigInput,
  env: Record<string, string>,
): { file: string; clouds: Obj } | undefined {
  return findFile(
    input.files,
    { variable: 'OS_CLIENT_SECURE_FILE', value: env['OS_CLIENT_SECURE_FILE'] },
    secureYamlCandidates(input.cwd, input.homeDir, env),
    input.cwd,
  );
}

function scalar(value: unknown, where: string, key: SettingKey): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value.trim() === '' ? undefined : value.trim();
  if (typeof value === 'number' || typeof value === 'boolean') {
    if (SECRET_KEYS.has(key) && typeof value !== 'number')
      throw new ConfigError(where, 'should be a string');
    return String(value);
  }
  throw new ConfigError(
    where,
    `should be a single value, got ${Array.isArray(value) ? 'a list' : 'a mapping'}`,
  );
}

function readCloudSettings(cloud: unknown, file: string, cloudName: string): Settings {
  const base = `${file}: clouds.${cloudName}`;
  if (!isObj(cloud)) throw new ConfigError(base, 'should be a mapping of settings');
  if (cloud['profile'] !== undefined) {
    throw new ConfigError(
      `${base}.profile`,
      'vendor profiles are not supported',
      'write auth_url, region_name, ... into the cloud entry',
    );
  }
  const settings: Settings = {};
  const auth = cloud['auth'] ?? {};
  if (!isObj(auth)) throw new ConfigError(`${base}.auth`, 'should be a mapping');
  for (const key of AUTH_KEYS) {
    const where = `${base}.auth.${key}`;
    const value = scalar(auth[key], where, key);
    if (value !== undefined) settings[key] = { value, source: where };
  }
  for (const key of CLOUD_KEYS) {
    const where = `${base}.${key}`;
    const value = scalar(cloud[key], where, key);
    if (value !== undefined) settings[key] = { value, source: where };
  }
  if (settings.interface === undefined) {
    const value = scalar(cloud['endpoint_type'], `${base}.endpoint_type`, 'interface');
    if (value !== undefined) settings.interface = { value, source: `${base}.endpoint_type` };
  }
  const defaultDomain = scalar(
    cloud['default_domain'],
    `${base}.default_domain`,
    'default_domain_id',
  );
  if (defaultDomain !== undefined && settings.default_domain_id === undefined) {
    settings.default_domain_id = { value: defaultDomain, source: `${base}.default_domain` };
  }
  if (settings.region_name === undefined && cloud['regions'] !== undefined) {
    const regions = cloud['regions'];
    if (!Array.isArray(regions)) throw new ConfigError(`${base}.regions`, 'should be a list');
    // openstacksdk uses the first region when region_name is not given.
    const first: unknown = regions[0];
    const name = isObj(first) ? first['name'] : first;
    if (typeof name === 'string' && name !== '')
      settings.region_name = { value: name, source: `${base}.regions[0]` };
    else if (regions.length)
      throw new ConfigError(
        `${base}.regions[0]`,
        'should be a region name or a mapping with `name`',
      );
  }
  return settings;
}

function refuseContradictions(fileSettings: Settings, envSettings: Settings): void {
  for (const key of ['auth_url', 'auth_type'] as const) {
    const fromFile = fileSettings[key];
    const fromEnv = envSettings[key];
    if (!fromFile || !fromEnv) continue;
    const same =
      key === 'auth_url'
        ? normaliseUrl(fromFile.value) === normaliseUrl(fromEnv.value)
        : fromFile.value === fromEnv.value;
    if (!same) {
      throw new ConfigError(
        fromEnv.source,
        `is "${fromEnv.value}" but ${fromFile.source} is "${fromFile.value}": these settings mix two clouds`,
        `unset ${fromEnv.source} (e.g. after sourcing an openrc) or unset OS_CLOUD`,
      );
    }
  }
}

function normaliseUrl(url: string): string {
  return url.replace(/\/+$/, '').replace(/\/v3$/, '');
}

// --- validation ---------------------------------------------------------------------------------

function buildCloudConfig(
  settings: Settings,
  mode: Mode,
  source: string,
  input: ResolveCloudConfigInput,
): CloudConfig {
  /** How to name a setting that is missing: the variable, or the clouds.yaml key (and the variable). */
  const nameOf = (key: SettingKey): string => {
    const variable =
      ENV_VARIABLES.filter(([, k]) => k === key)
        .map(([v]) => v)
        .pop() ?? key;
    if (mode.kind === 'env') return variable;
    const section = AUTH_KEYS.includes(key) ? 'auth.' : '';
    return `${mode.file}: clouds.${mode.cloudName}.${section}${key} (or ${variable})`;
  };
  const get = (key: SettingKey): string | undefined => settings[key]?.value;

  const identityVersion = settings.identity_api_version;
  if (identityVersion && !/^3(\.\d+)?$/.test(identityVersion.value)) {
    throw new ConfigError(
      identityVersion.source,
      `is "${identityVersion.value}"; only Keystone v3 is supported`,
      'allowed: 3',
    );
  }
  const authUrl = settings.auth_url;
  if (!authUrl)
    throw new ConfigError(
      nameOf('auth_url'),
      'is not set',
      'expected the Keystone URL, e.g. https://keystone.example:5000/v3',
    );
  if (!/^https?:\/\/[^/\s]+/i.test(authUrl.value)) {
    throw new ConfigError(
      authUrl.source,
      `"${authUrl.value}" is not an http(s) URL`,
      'expected e.g. https://keystone.example:5000/v3',
    );
  }

  const auth = buildAuth(settings, authUrl.value, nameOf);

  let endpointInterface: EndpointInterface = 'public';
  const iface = settings.interface;
  if (iface) {
    // Legacy endpoint types are spelled publicURL / internalURL / adminURL.
    const normalised = iface.value.replace(/URL$/, '');
    if (!(ENDPOINT_INTERFACES as readonly string[]).includes(normalised)) {
      throw new ConfigError(
        iface.source,
        `"${iface.value}" is not an endpoint interface`,
        `allowed: ${ENDPOINT_INTERFACES.join(', ')}`,
      );
    }
    endpointInterface = normalised as EndpointInterface;
  }

  const insecure = tlsVerificationOff(settings);

  let cacertPath: string | undefined;
  if (settings.cacert) {
    cacertPath = path.resolve(input.cwd, settings.cacert.value.replace(/^~(?=\/)/, input.homeDir));
    if (input.files.read(cacertPath) === undefined) {
      throw new ConfigError(
        settings.cacert.source,
        `names ${cacertPath}, which does not exist`,
        'expected the path of a PEM CA bundle',
      );
    }
  }

  const microversion = get('compute_api_version');
  if (microversion !== undefined && microversion !== 'latest' && !/^\d+\.\d+$/.test(microversion)) {
    throw new ConfigError(
      settings.compute_api_version?.source ?? 'compute_api_version',
      `"${microversion}" is not a microversion`,
      'allowed: "X.Y" such as "2.79", or "latest"',
    );
  }

  return {
    cloudName: mode.kind === 'cloud' ? mode.cloudName : undefined,
    source,
    auth,
    regionName: get('region_name'),
    interface: endpointInterface,
    cacertPath,
    insecure,
    computeMicroversion: microversion,
  };
}

/** `insecure: true` and `verify: false` say the same; saying both, one way each, is refused. */
function tlsVerificationOff(settings: Settings): boolean {
  const insecure = settings.insecure && parseBoolean(settings.insecure);
  const skipVerify = settings.verify && !parseBoolean(settings.verify);
  if (settings.insecure && settings.verify && insecure !== skipVerify) {
    throw new ConfigError(
      settings.verify.source,
      `is "${settings.verify.value}" but ${settings.insecure.source} is "${settings.insecure.value}": one says verify TLS certificates, the other says do not`,
      'keep one of the two settings',
    );
  }
  return Boolean(insecure || skipVerify);
}

function parseBoolean(setting: Setting): boolean {
  const v = setting.value.toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  throw new ConfigError(
    setting.source,
    `"${setting.value}" is not a boolean`,
    'allowed: true, false, yes, no, 1, 0',
  );
}

function buildAuth(
  settings: Settings,
  authUrl: string,
  nameOf: (key: SettingKey) => string,
): AuthConfig {
  const get = (key: SettingKey): string | undefined => settings[key]?.value;
  const authType = settings.auth_type;
  let kind: 'password' | 'appcred';
  if (authType) {
    if (PASSWORD_AUTH_TYPES.includes(authType.value)) kind = 'password';
    else if (APP_CRED_AUTH_TYPES.includes(authType.value)) kind = 'appcred';
    else {
      throw new ConfigError(
        authType.source,
        `"${authType.value}" is not supported by @osa/openstack-client`,
        `allowed: ${[...PASSWORD_AUTH_TYPES, ...APP_CRED_AUTH_TYPES].join(', ')}`,
      );
    }
  } else {
    const hasPassword = settings.password !== undefined;
    const hasAppCred = settings.application_credential_secret !== undefined;
    if (hasPassword && hasAppCred) {
      throw new ConfigError(
        nameOf('auth_type'),
        `is not set, and both ${settings.password?.source} and ${settings.application_credential_secret?.source} are: the auth method is ambiguous`,
        'set it to password or v3applicationcredential',
      );
    }
    if (!hasPassword && !hasAppCred) {
      throw new ConfigError(
        nameOf('password'),
        'is not set, nor is an application credential secret',
        `set ${nameOf('password')} or ${nameOf('application_credential_secret')}`,
      );
    }
    kind = hasAppCred ? 'appcred' : 'password';
  }

  const defaultDomainId = get('default_domain_id');
  const defaultDomainName = get('default_domain_name');
  /** A missing domain means the default domain (id `default`), as in the CLI (`--os-default-domain`). */
  const domain = (idKey: SettingKey, nameKey: SettingKey): { id?: string; name?: string } => {
    const id = get(idKey);
    const name = get(nameKey);
    if (id !== undefined || name !== undefined)
      return { id, name: id === undefined ? name : undefined };
    if (defaultDomainName !== undefined && defaultDomainId === undefined)
      return { name: defaultDomainName };
    return { id: defaultDomainId ?? 'default' };
  };

  const userId = get('user_id');
  const username = get('username');
  const userDomain = userId === undefined ? domain('user_domain_id', 'user_domain_name') : {};

  if (kind === 'appcred') {
    const secret = get('application_credential_secret');
    if (secret === undefined)
      throw new ConfigError(
        nameOf('application_credential_secret'),
        'is not set (application credential auth needs the secret)',
      );
    const id = get('application_credential_id');
    const name = get('application_credential_name');
    if (id === undefined && name === undefined) {
      throw new ConfigError(
        nameOf('application_credential_id'),
        'is not set',
        `set ${nameOf('application_credential_id')}, or ${nameOf('application_credential_name')} with the user`,
      );
    }
    if (id === undefined && userId === undefined && username === undefined) {
      throw new ConfigError(
        nameOf('username'),
        'is not set: an application credential given by name needs its user',
        `set ${nameOf('username')} or ${nameOf('user_id')}, or use ${nameOf('application_credential_id')}`,
      );
    }
    return {
      type: 'v3applicationcredential',
      authUrl,
      applicationCredentialId: id,
      applicationCredentialName: id === undefined ? name : undefined,
      applicationCredentialSecret: new Secret(secret),
      userId: id === undefined ? userId : undefined,
      username: id === undefined && userId === undefined ? username : undefined,
      userDomainId: id === undefined && userId === undefined ? userDomain.id : undefined,
      userDomainName: id === undefined && userId === undefined ? userDomain.name : undefined,
    };
  }

  const password = get('password');
  if (password === undefined) throw new ConfigError(nameOf('password'), 'is not set');
  if (userId === undefined && username === undefined) {
    throw new ConfigError(
      nameOf('username'),
      'is not set',
      `set ${nameOf('username')} or ${nameOf('user_id')}`,
    );
  }
  const projectId = get('project_id');
  const projectName = get('project_name');
  if (projectId === undefined && projectName === undefined) {
    throw new ConfigError(
      nameOf('project_name'),
      'is not set: Nova, Glance and Neutron need a project-scoped token',
      `set ${nameOf('project_name')} or ${nameOf('project_id')}`,
    );
  }
  const projectDomain =
    projectId === undefined ? domain('project_domain_id', 'project_domain_name') : {};
  return {
    type: 'password',
    authUrl,
    password: new Secret(password),
    userId,
    username: userId === undefined ? username : undefined,
    userDomainId: userDomain.id,
    userDomainName: userDomain.name,
    projectId,
    projectName: projectId === undefined ? projectName : undefined,
    projectDomainId: projectDomain.id,
    projectDomainName: projectDomain.name,
  };
}
