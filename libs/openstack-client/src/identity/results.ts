import { Secret } from '../common/secret';
import type { WireReader } from '../common/wire';
import type { EndpointInterface } from '../config/cloud-config';

export interface CatalogEndpoint {
  id?: string;
  interface: EndpointInterface | (string & {});
  /** Keystone's `region_id` (falls back to the legacy `region`). */
  region?: string;
  url: string;
}

export interface CatalogService {
  id?: string;
  /** e.g. `compute`, `image`, `network`, `identity`. */
  type: string;
  name?: string;
  endpoints: CatalogEndpoint[];
}

/** A Keystone v3 token (POST /v3/auth/tokens: value in `X-Subject-Token`, details in the body). */
export interface AuthToken {
  value: Secret;
  expiresAt: Date;
  issuedAt?: Date;
  methods: string[];
  userId: string;
  userName?: string;
  projectId?: string;
  projectName?: string;
  roles: string[];
  catalog: CatalogService[];
}

/** Reads POST /v3/auth/tokens: the token value from `X-Subject-Token`, the rest from `token` in the body. */
export function parseTokenResponse(
  wire: WireReader,
  subjectToken: string | undefined,
  body: Buffer,
): AuthToken {
  if (!subjectToken) wire.fail('no X-Subject-Token header in the token response');
  const root = wire.record(wire.json(body), 'body');
  const token = wire.object(root, 'token', 'body');
  const expiresText = wire.string(token, 'expires_at', 'token');
  const expiresAt = new Date(expiresText);
  if (Number.isNaN(expiresAt.getTime()))
    wire.fail(`token.expires_at "${expiresText}" is not a date`);
  const issuedText = wire.optionalString(token, 'issued_at', 'token');
  const userObj = wire.object(token, 'user', 'token');
  const projectObj = wire.optionalObject(token, 'project', 'token');
  const roles = (wire.optionalArray(token, 'roles', 'token') ?? []).map((r, i) =>
    wire.string(wire.record(r, `token.roles[${i}]`), 'name', `token.roles[${i}]`),
  );
  const catalog = (wire.optionalArray(token, 'catalog', 'token') ?? []).map((s, i) => {
    const path = `token.catalog[${i}]`;
    const svc = wire.record(s, path);
    return {
      id: wire.optionalString(svc, 'id', path),
      type: wire.string(svc, 'type', path),
      name: wire.optionalString(svc, 'name', path),
      endpoints: wire.array(svc, 'endpoints', path).map((e, j) => {
        const epPath = `${path}.endpoints[${j}]`;
        const ep = wire.record(e, epPath);
        return {
          id: wire.optionalString(ep, 'id', epPath),
          interface: wire.string(ep, 'interface', epPath),
          region:
            wire.optionalString(ep, 'region_id', epPath) ??
            wire.optionalString(ep, 'region', epPath),
          url: wire.string(ep, 'url', epPath),
        };
      }),
    };
  });
  return {
    value: new Secret(subjectToken),
    expiresAt,
    issuedAt: issuedText ? new Date(issuedText) : undefined,
    methods: wire.optionalArray(token, 'methods', 'token')
      ? wire.stringArray(token, 'methods', 'token')
      : [],
    userId: wire.string(userObj, 'id', 'token.user'),
    userName: wire.optionalString(userObj, 'name', 'token.user'),
    projectId: projectObj ? wire.string(projectObj, 'id', 'token.project') : undefined,
    projectName: projectObj ? wire.optionalString(projectObj, 'name', 'token.project') : undefined,
    roles,
    catalog,
  };
}
