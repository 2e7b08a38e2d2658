import * as fs from 'node:fs';
import * as os from 'node:os';
import { inspect } from 'node:util';
import { ConfigError } from './common/errors';
import { Secret } from './common/secret';
import {
  ENDPOINT_INTERFACES,
  type AuthConfig,
  type CloudConfig,
  type CloudConfigFiles,
  type EndpointInterface,
} from './config/cloud-config';
import { resolveCloudConfig } from './config/resolve-cloud-config';
import { identityV3Base } from './identity/urls';
import { DEFAULT_RETRY } from './session/retry-policy';
import { CLIENT_VERSION } from './version';
import { ComputeApi } from './compute/compute-api';
import { IdentityApi } from './identity/api';
import { ImageApi } from './image/image-api';
import { NetworkApi } from './network/network-api';
import { LoadBalancerApi } from './load-balancer/load-balancer-api';
import { Session } from './session/session';
import type { ClientLogger, RetryOptions } from './session/session-types';

/** Password auth as callers write it (plain strings are wrapped in Secret at once). */
export interface PasswordAuthOptions {
  type?: 'password';
  authUrl: string;
  username?: string;
  userId?: string;
  password: string | Secret;
  userDomainName?: string;
  userDomainId?: string;
  projectName?: string;
  projectId?: string;
  projectDomainName?: string;
  projectDomainId?: string;
}

export interface ApplicationCredentialAuthOptions {
  type: 'v3applicationcredential';
  authUrl: string;
  applicationCredentialId?: string;
  applicationCredentialName?: string;
  applicationCredentialSecret: string | Secret;
  username?: string;
  userId?: string;
  userDomainName?: string;
  userDomainId?: string;
}

export type AuthOptions = PasswordAuthOptions | ApplicationCredentialAuthOptions;

export interface OpenStackClientOptions {
  /** Credentials; a resolved CloudConfig's `auth` is accepted as is. */
  auth: AuthOptions | AuthConfig;
  regionName?: string;
  /** Catalog interface. Default `public`. */
  interface?: EndpointInterface;
  /** Path of a PEM CA bundle to trust (like OS_CACERT). */
  cacert?: string;
  /** PEM CA bundle contents (instead of a path). */
  ca?: string | Buffer;
  /** Skip TLS certificate verification (like OS_INSECURE). Default false. */
  insecure?: boolean;
  /** Per-request timeout. Default 30000 ms. */
  timeoutMs?: number;
  /** Compute microversion: 'latest' (default; negotiated) or a pinned "X.Y". */
  computeMicroversion?: string;
  retry?: RetryOptions;
  /** Renew the token this long before it expires. Default 120000 ms. */
  tokenRenewalMarginMs?: number;
  /** Receives request/retry/auth events (never secrets). */
  logger?: ClientLogger;
  userAgent?: string;
}

export interface FromEnvironmentOptions {
  /** Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Default process.cwd(). */
  cwd?: string;
  /** Default os.homedir(). */
  homeDir?: string;
  logger?: ClientLogger;
  /** Client settings that are not part of cloud config (timeouts, retries, ...). */
  overrides?: Omit<OpenStackClientOptions, 'auth'>;
}

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_TOKEN_RENEWAL_MARGIN_MS = 120_000;

export class OpenStackClient {
  readonly session: Session;
  readonly identity: IdentityApi;
  readonly compute: ComputeApi;
  readonly image: ImageApi;
  readonly network: NetworkApi;
  /** Octavia v2 (catalog type `load-balancer`). */
  readonly loadBalancer: LoadBalancerApi;

  constructor(options: OpenStackClientOptions) {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
      throw new ConfigError(
        'timeoutMs',
        `${timeoutMs} is not allowed`,
        'allowed: a positive number of milliseconds',
      );
    }
    const iface = options.interface ?? 'public';
    if (!ENDPOINT_INTERFACES.includes(iface)) {
      throw new ConfigError(
        'interface',
        `"${String(iface)}" is not an endpoint interface`,
        `allowed: ${ENDPOINT_INTERFACES.join(', ')}`,
      );
    }
    this.session = new Session({
      auth: normaliseAuth(options.auth),
      regionName: options.regionName,
      interface: iface,
      ca: options.ca ?? (options.cacert ? readCaFile(options.cacert) : undefined),
      insecure: options.insecure ?? false,
      timeoutMs,
      retry: { ...DEFAULT_RETRY, ...options.retry },
      tokenRenewalMarginMs: options.tokenRenewalMarginMs ?? DEFAULT_TOKEN_RENEWAL_MARGIN_MS,
      logger: options.logger,
      userAgent:
        options.userAgent ?? `osa-openstack-client/${CLIENT_VERSION} node/${process.versions.node}`,
    });
    this.identity = new IdentityApi(this.session);
    this.compute = new ComputeApi(this.session, {
      microversion: options.computeMicroversion ?? 'latest',
    });
    this.image = new ImageApi(this.session);
    this.network = new NetworkApi(this.session);
    this.loadBalancer = new LoadBalancerApi(this.session);
  }

  /** Builds a client from a resolved CloudConfig (see resolveCloudConfig). */
  static fromConfig(
    config: CloudConfig,
    overrides: Omit<OpenStackClientOptions, 'auth'> = {},
  ): OpenStackClient {
    return new OpenStackClient({
      auth: config.auth,
      regionName: config.regionName,
      interface: config.interface,
      cacert: config.cacertPath,
      insecure: config.insecure,
      computeMicroversion: config.computeMicroversion,
      ...definedOnly(overrides),
    });
  }

  /** OS_CLOUD (clouds.yaml + secure.yaml) if set, else the OS_* variables: like the `openstack` CLI. */
  static fromEnvironment(options: FromEnvironmentOptions = {}): OpenStackClient {
    return OpenStackClient.fromConfig(resolveFromProcess(options, undefined), {
      logger: options.logger,
      ...options.overrides,
    });
  }

  /** A named clouds.yaml entry (OS_* variables still override single settings, like the CLI). */
  static fromCloud(cloudName: string, options: FromEnvironmentOptions = {}): OpenStackClient {
    return OpenStackClient.fromConfig(resolveFromProcess(options, cloudName), {
      logger: options.logger,
      ...options.overrides,
    });
  }

  /** Closes idle keep-alive connections (call when done, so the process can exit promptly). */
  close(): void {
    this.session.close();
  }

  toString(): string {
    return `OpenStackClient(${this.session.options.auth.authUrl})`;
  }

  toJSON(): Record<string, unknown> {
    return {
      authUrl: this.session.options.auth.authUrl,
      region: this.session.options.regionName,
      interface: this.session.options.interface,
    };
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function readCaFile(file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new ConfigError(
      'cacert',
      `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
      'expected the path of a PEM CA bundle',
    );
  }
}

/** Files as the pure resolver wants them: text, or undefined when absent. */
export const nodeConfigFiles: CloudConfigFiles = {
  read(file: string): string | undefined {
    try {
      return fs.readFileSync(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw new ConfigError(file, `cannot be read: ${code ?? String(err)}`);
    }
  },
};

function resolveFromProcess(
  options: FromEnvironmentOptions,
  cloudName: string | undefined,
): CloudConfig {
  return resolveCloudConfig({
    env: options.env ?? process.env,
    cloudName,
    files: nodeConfigFiles,
    cwd: options.cwd ?? process.cwd(),
    homeDir: options.homeDir ?? os.homedir(),
  });
}

/** Checks the caller's auth object and wraps secrets; errors name the field. */
function normaliseAuth(auth: AuthOptions | AuthConfig): AuthConfig {
  if (!auth || typeof auth !== 'object') throw new ConfigError('auth', 'is required');
  identityV3Base(auth.authUrl, 'auth.authUrl');
  if (auth.type === 'v3applicationcredential') {
    if (!auth.applicationCredentialSecret)
      throw new ConfigError('auth.applicationCredentialSecret', 'is required');
    if (!auth.applicationCredentialId && !auth.applicationCredentialName) {
      throw new ConfigError(
        'auth.applicationCredentialId',
        'is required (or applicationCredentialName with the user)',
      );
    }
    if (!auth.applicationCredentialId && !auth.userId && !auth.username) {
      throw new ConfigError(
        'auth.username',
        'is required with applicationCredentialName (or give userId)',
      );
    }
    const byName = !auth.applicationCredentialId;
    const needsDomain = byName && !auth.userId && !auth.userDomainId && !auth.userDomainName;
    return {
      ...auth,
      applicationCredentialSecret: Secret.from(auth.applicationCredentialSecret),
      userDomainId: needsDomain ? 'default' : auth.userDomainId,
    };
  }
  if (auth.type !== undefined && auth.type !== 'password') {
    throw new ConfigError(
      'auth.type',
      `"${String((auth as { type: unknown }).type)}" is not supported`,
      'allowed: password, v3applicationcredential',
    );
  }
  if (!auth.password) throw new ConfigError('auth.password', 'is required');
  if (!auth.userId && !auth.username)
    throw new ConfigError('auth.username', 'is required (or userId)');
  if (!auth.projectId && !auth.projectName) {
    throw new ConfigError(
      'auth.projectName',
      'is required (or projectId): Nova, Glance and Neutron need a project-scoped token',
    );
  }
  // Like the CLI, a missing domain means the domain with id `default`.
  const userDomainId =
    !auth.userId && !auth.userDomainId && !auth.userDomainName ? 'default' : auth.userDomainId;
  const projectDomainId =
    !auth.projectId && !auth.projectDomainId && !auth.projectDomainName
      ? 'default'
      : auth.projectDomainId;
  return {
    ...auth,
    type: 'password',
    password: Secret.from(auth.password),
    userDomainId,
    projectDomainId,
  };
}
