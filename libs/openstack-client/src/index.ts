/**
 * @osa/openstack-client: a typed Keystone v3 / Nova / Glance / Neutron / Octavia client.
 * This file is the package's whole public surface.
 */
export { CLIENT_VERSION } from './version';

export {
  OpenStackClient,
  nodeConfigFiles,
  DEFAULT_TIMEOUT_MS,
  DEFAULT_TOKEN_RENEWAL_MARGIN_MS,
} from './client';
export type {
  OpenStackClientOptions,
  FromEnvironmentOptions,
  AuthOptions,
  PasswordAuthOptions,
  ApplicationCredentialAuthOptions,
} from './client';

export { Secret } from './common/secret';
export * from './common/errors';
export { ResourceList } from './common/pagination';
export type { Page, PageFetcher } from './common/pagination';
export type { WaitOptions, WaitForStatusOptions, WaitProgress } from './common/wait';

export * from './config';
export * from './session';
export * from './identity';
export * from './compute';
export * from './image';
export * from './network';
export * from './load-balancer';
