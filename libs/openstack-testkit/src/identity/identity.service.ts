// Fake Keystone v3: version discovery and POST/GET /v3/auth/tokens (password and
// application-credential methods), shaped like the Identity API v3 reference and the Zed captures.
import type { FakeCredentials, FakeEndpoints } from '../fake-openstack.types';
import { FakeServiceBase } from '../http/service-base';
import {
  WireError,
  isRecord,
  json,
  parseJsonBody,
  type RouteContext,
  type WireHeaders,
  type WireRequest,
  type WireResponse,
} from '../http/wire';
import {
  identityVersionResponse,
  identityVersionsResponse,
} from '../fixtures/keystone-identity-versions-response.v3';
import {
  catalog,
  newCatalogIds,
  tokenResponse,
  type CatalogIds,
} from '../fixtures/keystone-auth-password-project-scoped-response.v3';
import { keystoneError } from '../fixtures/keystone-error-response.v3';
import type { TokenStore } from './token-store';
import { hex } from '../http/wire';
import { ApplicationCredentialsHandlers } from './application-credentials.handlers';

export interface IdentitySettings {
  credentials: FakeCredentials;
  /** The cloud admin (user `admin` in project `admin`, role admin), as on the devcloud. */
  adminCredentials: FakeCredentials;
  endpoints: FakeEndpoints;
  region: string;
}

const ROLES = [
  { id: hex(32), name: 'reader' },
  { id: hex(32), name: 'member' },
];
const ADMIN_ROLE = { id: hex(32), name: 'admin' };

export class IdentityService extends FakeServiceBase {
  readonly name = 'identity' as const;
  readonly prefix = '/identity';
  private readonly catalogIds: CatalogIds = newCatalogIds();
  /** Application credentials created through the API (the seeded one lives in the credentials). */
  readonly applicationCredentials = new ApplicationCredentialsHandlers({
    error: (status, message, ctx) => this.error(status, message, ctx),
    roles: () => [ADMIN_ROLE, ...ROLES],
    v3Url: (ctx) => this.v3Url(ctx),
  });

  constructor(
    tokens: TokenStore,
    private readonly settings: () => IdentitySettings,
  ) {
    super(tokens);
    this.router
      .add('GET', '/', (ctx) => this.versions(ctx), { public: true })
      .add('GET', '/v3', (ctx) => json(200, identityVersionResponse(this.v3Url(ctx))), {
        public: true,
      })
      .add('POST', '/v3/auth/tokens', (ctx) => this.authenticate(ctx), { public: true })
      .add('GET', '/v3/auth/tokens', (ctx) => this.validateToken(ctx))
      .add('GET', '/v3/auth/catalog', () => json(200, { catalog: this.catalog() }));
    this.applicationCredentials.register(this.router);
  }

  commonHeaders(req: WireRequest): WireHeaders {
    return { 'x-openstack-request-id': req.requestId, Vary: 'X-Auth-Token' };
  }

  errorBody(status: number, message: string | undefined): unknown {
    return keystoneError(status, message);
  }

  override unauthorized(req: WireRequest): WireResponse {
    // Keystone names its own /v3 URL in the challenge (captures/keystone/05-auth-wrong-password.txt).
    return this.error(401, undefined, req, {
      'WWW-Authenticate': `Keystone uri="${this.v3Url(req).replace(/\/$/, '')}"`,
    });
  }

  catalog(): unknown[] {
    const s = this.settings();
    return catalog(s.endpoints, s.region, this.catalogIds);
  }

  private v3Url(req: WireRequest): string {
    return `${req.origin}${this.prefix}/v3/`;
  }

  private versions(ctx: RouteContext): WireResponse {
    // Real Keystone answers version discovery with 300 Multiple Choices (captures/keystone/01-get-root.txt).
    return json(300, identityVersionsResponse(this.v3Url(ctx)), { Location: this.v3Url(ctx) });
  }

  private authenticate(ctx: RouteContext): WireResponse {
    const body = parseJsonBody(ctx, (message) => this.error(400, message, ctx));
    const auth = isRecord(body) ? body.auth : undefined;
    if (!isRecord(auth)) throw new WireError(this.error(400, "'auth' is a required property", ctx));
    const identity = auth.identity;
    if (!isRecord(identity))
      throw new WireError(this.error(400, "'identity' is a required property", ctx));
    const methods = identity.methods;
    if (!Array.isArray(methods) || methods.length === 0) {
      throw new WireError(this.error(400, "'methods' is a required property", ctx));
    }
    const { credentials: member, adminCredentials: admin } = this.settings();
    let creds = member;
    let appCred: { id: string; name: string; restricted: boolean } | undefined;
    if (methods.includes('password')) {
      creds = this.passwordMatches(identity.password, admin) ? admin : member;
      if (!this.passwordMatches(identity.password, creds)) return this.unauthorized(ctx);
      if (auth.scope !== undefined && !this.projectScopeMatches(auth.scope, creds))
        return this.unauthorized(ctx);
    } else if (methods.includes('application_credential')) {
      const created = isRecord(identity.application_credential)
        ? this.applicationCredentials.authenticate(identity.application_credential)
        : undefined;
      if (created) {
        if (auth.scope !== undefined) return this.unauthorized(ctx);
        return this.issueForCreatedCredential(created, methods);
      }
      if (!this.applicationCredentialMatches(identity.application_credential, creds))
        return this.unauthorized(ctx);
      // Keystone refuses a scope with an application credential: the token is bound to its project.
      if (auth.scope !== undefined) return this.unauthorized(ctx);
      appCred = {
        id: creds.applicationCredentialId,
        name: creds.applicationCredentialName,
        restricted: true,
      };
    } else {
      return this.unauthorized(ctx);
    }
    // An application credential carries only the role it was made with (captures/keystone/07-*).
    const roles = appCred ? [ROLES[1]] : creds === admin ? [ADMIN_ROLE, ...ROLES] : ROLES;
    const record = this.tokens.issue({
      userId: creds.userId,
      projectId: creds.projectId,
      methods: methods.filter((m): m is string => typeof m === 'string'),
      applicationCredentialId: appCred?.id,
      roles: roles.map((role) => role.name),
    });
    const payload = tokenResponse({
      methods: record.methods,
      credentials: creds,
      issuedAtMs: record.issuedAtMs,
      expiresAtMs: record.expiresAtMs,
      catalog: this.catalog(),
      roles,
      applicationCredential: appCred,
    });
    return json(201, payload, { 'X-Subject-Token': record.id });
  }

  /** A token for a credential created through the API: its user, its project, its roles. */
  private issueForCreatedCredential(
    credential: {
      id: string;
      name: string;
      userId: string;
      roles: { id: string; name: string }[];
      accessRules: { service: string; method: string; path: string }[];
    },
    methods: unknown[],
  ): WireResponse {
    const { credentials: member, adminCredentials: admin } = this.settings();
    const creds = credential.userId === admin.userId ? admin : member;
    const record = this.tokens.issue({
      userId: creds.userId,
      projectId: creds.projectId,
      methods: methods.filter((m): m is string => typeof m === 'string'),
      applicationCredentialId: credential.id,
      roles: credential.roles.map((role) => role.name),
      accessRules: credential.accessRules,
    });
    const payload = tokenResponse({
      methods: record.methods,
      credentials: creds,
      issuedAtMs: record.issuedAtMs,
      expiresAtMs: record.expiresAtMs,
      catalog: this.catalog(),
      roles: credential.roles,
      applicationCredential: { id: credential.id, name: credential.name, restricted: true },
    });
    return json(201, payload, { 'X-Subject-Token': record.id });
  }

  private validateToken(ctx: RouteContext): WireResponse {
    const subject = ctx.headers['x-subject-token'];
    const record = typeof subject === 'string' ? this.tokens.validate(subject) : null;
    if (!record)
      return this.error(404, `Could not find token: ${String(subject).slice(0, 8)}...`, ctx);
    const { credentials: member, adminCredentials: admin } = this.settings();
    const creds = record.userId === admin.userId ? admin : member;
    const payload = tokenResponse({
      methods: record.methods,
      credentials: creds,
      issuedAtMs: record.issuedAtMs,
      expiresAtMs: record.expiresAtMs,
      catalog: this.catalog(),
      roles: [ADMIN_ROLE, ...ROLES].filter((role) => record.roles.includes(role.name)),
    });
    return json(200, payload, { 'X-Subject-Token': record.id });
  }

  private passwordMatches(password: unknown, creds: FakeCredentials): boolean {
    if (!isRecord(password) || !isRecord(password.user)) return false;
    const user = password.user;
    if (user.password !== creds.password) return false;
    if (user.id !== undefined) return user.id === creds.userId;
    return (
      user.name === creds.username &&
      this.domainMatches(user.domain, creds.userDomainName, creds.userDomainId)
    );
  }

  private projectScopeMatches(scope: unknown, creds: FakeCredentials): boolean {
    if (!isRecord(scope) || !isRecord(scope.project)) return false;
    const project = scope.project;
    if (project.id !== undefined) return project.id === creds.projectId;
    return (
      project.name === creds.projectName &&
      this.domainMatches(project.domain, creds.projectDomainName, creds.projectDomainId)
    );
  }

  private applicationCredentialMatches(appCred: unknown, creds: FakeCredentials): boolean {
    if (!isRecord(appCred) || appCred.secret !== creds.applicationCredentialSecret) return false;
    if (appCred.id !== undefined) return appCred.id === creds.applicationCredentialId;
    if (appCred.name !== creds.applicationCredentialName || !isRecord(appCred.user)) return false;
    const user = appCred.user;
    if (user.id !== undefined) return user.id === creds.userId;
    return (
      user.name === creds.username &&
      this.domainMatches(user.domain, creds.userDomainName, creds.userDomainId)
    );
  }

  private domainMatches(domain: unknown, name: string, id: string): boolean {
    if (!isRecord(domain)) return false;
    if (domain.id !== undefined) return domain.id === id;
    return domain.name === name;
  }
}
