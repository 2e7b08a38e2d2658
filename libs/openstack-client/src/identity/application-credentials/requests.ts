import { InvalidArgumentError } from '../../common/errors';

/** One access rule: which API call the credential may make (Keystone 3.13+, Train). */
export interface AccessRule {
  /** Catalog service type, e.g. `compute`, `image`, `network`. */
  service: string;
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path as the service sees it; `*` matches one segment, `**` any number (e.g. `/v2.1/servers/*`). */
  path: string;
}

export interface CreateApplicationCredentialOptions {
  description?: string;
  /** Role names to delegate (default: every role of the token on its project). */
  roles?: string[];
  /** ISO 8601; default: never expires. */
  expiresAt?: string;
  /** May create other credentials and trusts. Default false; keep it false. */
  unrestricted?: boolean;
  accessRules?: AccessRule[];
  signal?: AbortSignal;
}

const NAME_MAX = 255;
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * The POST body (API reference "Create application credential"). No `secret`: Keystone generates
 * one and returns it once, so nothing secret ever leaves this process in a request body.
 */
export function buildApplicationCredentialBody(
  name: string,
  options: CreateApplicationCredentialOptions,
): Record<string, unknown> {
  if (typeof name !== 'string' || name.trim() === '' || name.length > NAME_MAX) {
    throw new InvalidArgumentError(
      'name',
      `application credential name ${JSON.stringify(name)}: expected 1-${NAME_MAX} characters`,
    );
  }
  const body: Record<string, unknown> = { name, unrestricted: options.unrestricted ?? false };
  if (options.description !== undefined) body.description = options.description;
  if (options.expiresAt !== undefined) {
    if (Number.isNaN(new Date(options.expiresAt).getTime())) {
      throw new InvalidArgumentError(
        'expiresAt',
        `${JSON.stringify(options.expiresAt)} is not an ISO 8601 date`,
      );
    }
    body.expires_at = options.expiresAt;
  }
  if (options.roles !== undefined) body.roles = options.roles.map((role) => ({ name: role }));
  if (options.accessRules !== undefined) {
    body.access_rules = options.accessRules.map((rule, i) => {
      if (!METHODS.has(rule.method) || !rule.path.startsWith('/') || !rule.service) {
        throw new InvalidArgumentError(
          `accessRules[${i}]`,
          `${JSON.stringify(rule)}: expected a service type, a method among ${[...METHODS].join(', ')} and an absolute path`,
        );
      }
      return { service: rule.service, method: rule.method, path: rule.path };
    });
  }
  return { application_credential: body };
}
