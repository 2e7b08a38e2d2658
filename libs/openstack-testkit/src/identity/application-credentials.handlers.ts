// Keystone v3 application credentials of a user: create (secret generated, returned once), list
// (?name=), show, delete; a token from a restricted application credential may not manage them
// (Keystone's 403). Created credentials authenticate like the seeded one.
import { randomBytes } from 'node:crypto';
import {
  applicationCredentialBody,
  type FakeApplicationCredential,
} from '../fixtures/keystone-application-credential-response.v3';
import {
  WireError,
  empty,
  hex,
  isRecord,
  json,
  parseJsonBody,
  type RouteContext,
  type Router,
  type WireResponse,
} from '../http/wire';

export interface ApplicationCredentialsHost {
  error(status: number, message: string | undefined, ctx: RouteContext): WireResponse;
  roles(): { id: string; name: string }[];
  v3Url(ctx: RouteContext): string;
}

const COLLECTION = '/v3/users/:userId/application_credentials';

export class ApplicationCredentialsHandlers {
  readonly credentials = new Map<string, FakeApplicationCredential>();

  constructor(private readonly host: ApplicationCredentialsHost) {}

  register(router: Router): void {
    router
      .add('POST', COLLECTION, (ctx) => this.create(ctx))
      .add('GET', COLLECTION, (ctx) => this.list(ctx))
      .add('GET', `${COLLECTION}/:id`, (ctx) =>
        json(200, { application_credential: this.body(ctx, this.find(ctx), false) }),
      )
      .add('DELETE', `${COLLECTION}/:id`, (ctx) => {
        this.credentials.delete(this.find(ctx).id);
        return empty(204);
      });
  }

  /** The credential a secret authenticates (by id, or by name and user id). */
  authenticate(entry: Record<string, unknown>): FakeApplicationCredential | undefined {
    for (const credential of this.credentials.values()) {
      if (entry.secret !== credential.secret) continue;
      if (entry.id !== undefined ? entry.id === credential.id : entry.name === credential.name)
        return credential;
    }
    return undefined;
  }

  private ownUser(ctx: RouteContext): string {
    const userId = ctx.params.userId;
    // Keystone's policy: a user manages only their own credentials.
    if (ctx.token?.userId !== userId) {
      throw new WireError(
        this.host.error(
          403,
          'You are not authorized to perform the requested action: identity:list_application_credentials.',
          ctx,
        ),
      );
    }
    return userId;
  }

  private find(ctx: RouteContext): FakeApplicationCredential {
    const userId = this.ownUser(ctx);
    const credential = this.credentials.get(ctx.params.id);
    if (!credential || credential.userId !== userId) {
      throw new WireError(
        this.host.error(404, `Could not find Application Credential: ${ctx.params.id}.`, ctx),
      );
    }
    return credential;
  }

  private create(ctx: RouteContext): WireResponse {
    const userId = this.ownUser(ctx);
    if (ctx.token?.applicationCredentialId) {
      return this.host.error(
        403,
        "Using method 'application_credential' is not allowed for managing additional application credentials.",
        ctx,
      );
    }
    const body = parseJsonBody(ctx, (message) => this.host.error(400, message, ctx));
    const req = isRecord(body) ? body.application_credential : undefined;
    if (!isRecord(req))
      return this.host.error(400, "'application_credential' is a required property", ctx);
    if (typeof req.name !== 'string' || req.name === '' || req.name.length > 255)
      return this.host.error(400, "Invalid input for field 'name'", ctx);
    for (const existing of this.credentials.values()) {
      if (existing.userId === userId && existing.name === req.name)
        return this.host.error(
          409,
          'Conflict occurred attempting to store application_credential - Duplicate entry.',
          ctx,
        );
    }
    const tokenRoles = this.host.roles().filter((role) => ctx.token?.roles.includes(role.name));
    let roles = tokenRoles;
    if (Array.isArray(req.roles)) {
      roles = [];
      for (const wanted of req.roles) {
        const role = tokenRoles.find(
          (r) => isRecord(wanted) && (wanted.name === r.name || wanted.id === r.id),
        );
        if (!role)
          return this.host.error(
            400,
            `Invalid input: role ${JSON.stringify(wanted)} is not assigned to the user on the project.`,
            ctx,
          );
        roles.push(role);
      }
    }
    const rules: FakeApplicationCredential['accessRules'] = [];
    if (req.access_rules !== undefined) {
      if (!Array.isArray(req.access_rules))
        return this.host.error(400, "Invalid input for field 'access_rules'", ctx);
      for (const rule of req.access_rules) {
        if (
          !isRecord(rule) ||
          typeof rule.service !== 'string' ||
          typeof rule.method !== 'string' ||
          typeof rule.path !== 'string'
        )
          return this.host.error(400, "Invalid input for field 'access_rules'", ctx);
        rules.push({ id: hex(32), service: rule.service, method: rule.method, path: rule.path });
      }
    }
    const credential: FakeApplicationCredential = {
      id: hex(32),
      name: req.name,
      userId,
      projectId: ctx.token?.projectId ?? '',
      secret: typeof req.secret === 'string' ? req.secret : randomBytes(48).toString('base64url'),
      description: typeof req.description === 'string' ? req.description : null,
      expiresAt: typeof req.expires_at === 'string' ? req.expires_at : null,
      unrestricted: req.unrestricted === true,
      roles,
      accessRules: rules,
    };
    this.credentials.set(credential.id, credential);
    return json(201, { application_credential: this.body(ctx, credential, true) });
  }

  private list(ctx: RouteContext): WireResponse {
    const userId = this.ownUser(ctx);
    const name = ctx.query.get('name');
    const items = [...this.credentials.values()].filter(
      (c) => c.userId === userId && (name === null || c.name === name),
    );
    return json(200, {
      application_credentials: items.map((c) => this.body(ctx, c, false)),
      links: {
        self: `${this.host.v3Url(ctx)}users/${userId}/application_credentials`,
        previous: null,
        next: null,
      },
    });
  }

  private body(
    ctx: RouteContext,
    c: FakeApplicationCredential,
    withSecret: boolean,
  ): Record<string, unknown> {
    return applicationCredentialBody(
      c,
      `${this.host.v3Url(ctx)}users/${c.userId}/application_credentials/${c.id}`,
      withSecret,
    );
  }
}
