export { ApplicationCredentialsApi } from './api';
export type { ApplicationCredentialCallOptions } from './api';
export type { AccessRule, CreateApplicationCredentialOptions } from './requests';
export type { ApplicationCredential, CreatedApplicationCredential } from './results';
