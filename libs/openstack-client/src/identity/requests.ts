import type { AuthConfig } from '../config/cloud-config';

type Json = Record<string, unknown>;

function user(auth: {
  userId?: string;
  username?: string;
  userDomainId?: string;
  userDomainName?: string;
}): Json {
  if (auth.userId) return { id: auth.userId };
  return {
    name: auth.username,
    domain: auth.userDomainId ? { id: auth.userDomainId } : { name: auth.userDomainName },
  };
}

/**
 * The POST /v3/auth/tokens body (Keystone API reference, "Authentication and token management":
 * password method with project scope, or application_credential method, which carries its own scope).
 * The body holds the secret; it is built only at send time and never logged.
 */
export function buildAuthRequestBody(auth: AuthConfig): Json {
  if (auth.type === 'v3applicationcredential') {
    const credential: Json = auth.applicationCredentialId
      ? { id: auth.applicationCredentialId, secret: auth.applicationCredentialSecret.reveal() }
      : {
          name: auth.applicationCredentialName,
          user: user(auth),
          secret: auth.applicationCredentialSecret.reveal(),
        };
    return {
      auth: {
        identity: { methods: ['application_credential'], application_credential: credential },
      },
    };
  }
  const project: Json = auth.projectId
    ? { id: auth.projectId }
    : {
        name: auth.projectName,
        domain: auth.projectDomainId
          ? { id: auth.projectDomainId }
          : { name: auth.projectDomainName },
      };
  return {
    auth: {
      identity: {
        methods: ['password'],
        password: { user: { ...user(auth), password: auth.password.reveal() } },
      },
      scope: { project },
    },
  };
}
