export { ENDPOINT_INTERFACES } from './cloud-config';
export type {
  EndpointInterface,
  PasswordAuth,
  ApplicationCredentialAuth,
  AuthConfig,
  CloudConfig,
  CloudConfigFiles,
  ResolveCloudConfigInput,
} from './cloud-config';
export { resolveCloudConfig } from './resolve-cloud-config';
