import { Secret } from '../../common/secret';
import type { WireReader } from '../../common/wire';
import type { AccessRule } from './requests';

export interface ApplicationCredential {
  id: string;
  name: string;
  description?: string;
  projectId: string;
  /** ISO 8601, or undefined when it never expires. */
  expiresAt?: string;
  unrestricted: boolean;
  roles: { id?: string; name: string }[];
  /** Present when the credential is limited to these calls (Keystone 3.13+). */
  accessRules?: (AccessRule & { id?: string })[];
}

/** The credential as created: the secret is returned this once, and only here. */
export interface CreatedApplicationCredential extends ApplicationCredential {
  secret: Secret;
}

type Obj = Record<string, unknown>;

export function parseApplicationCredential(
  wire: WireReader,
  c: Obj,
  path = 'application_credential',
): ApplicationCredential {
  const rules = wire.optionalArray(c, 'access_rules', path);
  return {
    id: wire.string(c, 'id', path),
    name: wire.string(c, 'name', path),
    description: wire.optionalString(c, 'description', path),
    projectId: wire.string(c, 'project_id', path),
    expiresAt: wire.optionalString(c, 'expires_at', path),
    unrestricted: wire.optionalBoolean(c, 'unrestricted', path) ?? false,
    roles: (wire.optionalArray(c, 'roles', path) ?? []).map((r, i) => {
      const rolePath = `${path}.roles[${i}]`;
      const role = wire.record(r, rolePath);
      return {
        id: wire.optionalString(role, 'id', rolePath),
        name: wire.string(role, 'name', rolePath),
      };
    }),
    accessRules: rules?.map((r, i) => {
      const rulePath = `${path}.access_rules[${i}]`;
      const rule = wire.record(r, rulePath);
      return {
        id: wire.optionalString(rule, 'id', rulePath),
        service: wire.string(rule, 'service', rulePath),
        method: wire.string(rule, 'method', rulePath) as AccessRule['method'],
        path: wire.string(rule, 'path', rulePath),
      };
    }),
  };
}

export function parseCreatedApplicationCredential(
  wire: WireReader,
  root: Obj,
): CreatedApplicationCredential {
  const c = wire.object(root, 'application_credential', 'body');
  return {
    ...parseApplicationCredential(wire, c),
    secret: new Secret(wire.string(c, 'secret', 'application_credential')),
  };
}

/** GET .../application_credentials: `{"application_credentials": [...], "links": {...}}`. */
export function parseApplicationCredentialPage(
  wire: WireReader,
  root: Obj,
): { items: ApplicationCredential[]; next: string | undefined } {
  const links = wire.optionalObject(root, 'links', 'body');
  return {
    items: wire
      .array(root, 'application_credentials', 'body')
      .map((c, i) =>
        parseApplicationCredential(
          wire,
          wire.record(c, `application_credentials[${i}]`),
          `application_credentials[${i}]`,
        ),
      ),
    next: links ? wire.optionalString(links, 'next', 'links') : undefined,
  };
}
