import type { Secret } from './common/secret';
import type { EndpointInterface } from './config/cloud-config';
import { ComputeApi } from './compute/compute-api';
import { IdentityApi } from './identity/api';
import { ImageApi } from './image/image-api';
import { NetworkApi } from './network/network-api';
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
  auth: AuthOptions;
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

export class OpenStackClient {
  readonly session: Session;
  readonly identity: IdentityApi;
  readonly compute: ComputeApi;
  readonly image: ImageApi;
  readonly network: NetworkApi;

  constructor(options: OpenStackClientOptions) {
    void options;
    this.session = undefined as unknown as Session;
    this.identity = new IdentityApi(this.session);
    this.compute = new ComputeApi(this.session, { microversion: 'latest' });
    this.image = new ImageApi(this.session);
    this.network = new NetworkApi(this.session);
    throw new Error('TODO');
  }

  /** OS_CLOUD (clouds.yaml + secure.yaml) if set, else the OS_* variables: like the `openstack` CLI. */
  static fromEnvironment(_options: FromEnvironmentOptions = {}): OpenStackClient {
    throw new Error('TODO');
  }

  /** A named clouds.yaml entry (OS_* variables still override single settings, like the CLI). */
  static fromCloud(_cloudName: string, _options: FromEnvironmentOptions = {}): OpenStackClient {
    throw new Error('TODO');
  }

  /** Closes idle keep-alive connections. */
  close(): void {
    this.session.close();
  }
}
