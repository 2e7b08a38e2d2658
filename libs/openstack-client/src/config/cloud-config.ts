import type { Secret } from '../common/secret';

/** Which catalog URL to use (Keystone endpoint `interface`). */
export type EndpointInterface = 'public' | 'internal' | 'admin';
export const ENDPOINT_INTERFACES: readonly EndpointInterface[] = ['public', 'internal', 'admin'];

/**
 * Password auth, project scoped (Keystone v3 `password` method).
 * Give the user by `userId`, or by `username` + a user domain; the project by `projectId`, or by
 * `projectName` + a project domain. Like the `openstack` CLI, a missing domain means the domain
 * with id `default` (OS_DEFAULT_DOMAIN / clouds.yaml `default_domain` change that).
 */
export interface PasswordAuth {
  type: 'password';
  /** Keystone URL, with or without the trailing `/v3`. */
  authUrl: string;
  username?: string;
  userId?: string;
  password: Secret;
  userDomainName?: string;
  userDomainId?: string;
  projectName?: string;
  projectId?: string;
  projectDomainName?: string;
  projectDomainId?: string;
}

/**
 * Application-credential auth (Keystone v3 `application_credential` method). The credential is
 * already bound to a project, so no scope is sent. Give `applicationCredentialId`, or
 * `applicationCredentialName` + the owning user (`userId`, or `username` + user domain).
 */
export interface ApplicationCredentialAuth {
  type: 'v3applicationcredential';
  authUrl: string;
  applicationCredentialId?: string;
  applicationCredentialName?: string;
  applicationCredentialSecret: Secret;
  username?: string;
  userId?: string;
  userDomainName?: string;
  userDomainId?: string;
}

export type AuthConfig = PasswordAuth | ApplicationCredentialAuth;

/** A fully resolved, validated cloud configuration: what the client needs to connect. */
export interface CloudConfig {
  /** The clouds.yaml entry name, when the config came from clouds.yaml. */
  cloudName?: string;
  /** Where the settings came from, for messages (e.g. `clouds.yaml /home/u/.config/openstack/clouds.yaml (cloud "x")`). */
  source: string;
  auth: AuthConfig;
  regionName?: string;
  interface: EndpointInterface;
  /** Path of a PEM CA bundle to trust (OS_CACERT / clouds.yaml `cacert`). */
  cacertPath?: string;
  /** Skip TLS verification (OS_INSECURE / clouds.yaml `insecure: true` or `verify: false`). */
  insecure: boolean;
  /** A pinned compute microversion (OS_COMPUTE_API_VERSION / clouds.yaml `compute_api_version`). */
  computeMicroversion?: string;
}

/** File access for the pure resolver: return the file's text, or undefined when it does not exist. */
export interface CloudConfigFiles {
  read(path: string): string | undefined;
}

export interface ResolveCloudConfigInput {
  /** The environment to read OS_* variables from (pass a plain object in tests). */
  env: Readonly<Record<string, string | undefined>>;
  /** Use this clouds.yaml entry; defaults to `env.OS_CLOUD`. */
  cloudName?: string;
  files: CloudConfigFiles;
  /** Directory searched first for clouds.yaml / secure.yaml. */
  cwd: string;
  /** Home directory (for ~/.config/openstack/). */
  homeDir: string;
}
