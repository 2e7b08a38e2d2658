import { identityV3Base } from '../urls';

/** /v3/users/{user_id}/application_credentials (Keystone API reference, "Application Credentials"). */
export function applicationCredentialsUrl(authUrl: string, userId: string): string {
  return `${identityV3Base(authUrl)}/users/${encodeURIComponent(userId)}/application_credentials`;
}

export function applicationCredentialUrl(authUrl: string, userId: string, id: string): string {
  return `${applicationCredentialsUrl(authUrl, userId)}/${encodeURIComponent(id)}`;
}
