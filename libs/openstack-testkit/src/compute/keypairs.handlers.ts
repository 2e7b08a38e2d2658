// Nova keypairs: create (generate before 2.92, import always), list, show, delete.
import type { FakeKeypair } from '../fake-openstack.types';
import {
  empty,
  isRecord,
  json,
  parseJsonBody,
  timestamps,
  type RouteContext,
  type Router,
  type WireResponse,
} from '../http/wire';
import { novaSchemaError } from '../fixtures/nova-error-response.v2.1';
import {
  keypairCreateResponse,
  keypairGetResponse,
  keypairListEntry,
} from '../fixtures/nova-keypairs-post-resp.v2.1-v2.92';
import { atLeast } from './microversion';
import { fingerprint, generateRsaKeypair, parsePublicKey } from './ssh-keys';
import type { ComputeApi } from './compute.service';

const NAME_PATTERN = /^[a-zA-Z0-9 _.@-]{1,255}$/;

export class KeypairsHandlers {
  private nextId = 1;

  constructor(private readonly api: ComputeApi) {}

  register(router: Router): void {
    router
      .add('POST', '/v2.1/os-keypairs', (ctx) => this.create(ctx))
      .add('GET', '/v2.1/os-keypairs', (ctx) => this.list(ctx))
      .add('GET', '/v2.1/os-keypairs/:name', (ctx) =>
        json(200, keypairGetResponse(this.find(ctx), this.api.version(ctx))),
      )
      .add('DELETE', '/v2.1/os-keypairs/:name', (ctx) => {
        this.api.settings.state.keypairs.delete(this.find(ctx).name);
        // 2.1 answers 202, 2.2+ 204 (api-ref os-keypairs "Delete Keypair").
        return empty(atLeast(this.api.version(ctx), '2.2') ? 204 : 202);
      });
  }

  private create(ctx: RouteContext): WireResponse {
    const v = this.api.version(ctx);
    const { state, credentials } = this.api.settings;
    const body = parseJsonBody(ctx, () => this.api.error(400, 'Malformed request body', ctx));
    const req = isRecord(body) ? body.keypair : undefined;
    if (!isRecord(req))
      // A top-level schema error has no path, so Nova gives the bare message.
      this.api.fail(400, "'keypair' is a required property", ctx);
    if (req.name === undefined)
      this.api.fail(400, novaSchemaError('keypair', req, "'name' is a required property"), ctx);
    if (typeof req.name !== 'string' || !NAME_PATTERN.test(req.name)) {
      this.api.fail(
        400,
        novaSchemaError(
          'name',
          req.name,
          `'${String(req.name)}' does not match '^[a-zA-Z0-9 _.@-]+$'`,
        ),
        ctx,
      );
    }
    // 2.92 removed server-side generation (captures/nova/11-keypair-create-generate-2.92.txt).
    if (atLeast(v, '2.92') && req.public_key === undefined) {
      this.api.fail(
        400,
        novaSchemaError('keypair', req, "'public_key' is a required property"),
        ctx,
      );
    }
    const type = req.type ?? 'ssh';
    if (req.type !== undefined && (!atLeast(v, '2.2') || (type !== 'ssh' && type !== 'x509'))) {
      this.api.fail(
        400,
        novaSchemaError('type', req.type, `'${String(req.type)}' is not one of ['ssh', 'x509']`),
        ctx,
      );
    }
    if (state.keypairs.has(req.name))
      this.api.fail(409, `Key pair '${req.name}' already exists.`, ctx);
    let publicKey: string;
    let privateKey: string | undefined;
    if (req.public_key === undefined) {
      ({ publicKey, privateKey } = generateRsaKeypair());
    } else {
      if (typeof req.public_key !== 'string') {
        this.api.fail(
          400,
          novaSchemaError('public_key', req.public_key, "is not of type 'string'"),
          ctx,
        );
      }
      publicKey = req.public_key;
    }
    const blob = parsePublicKey(publicKey);
    if (!blob) this.api.fail(400, 'Keypair data is invalid: failed to generate fingerprint', ctx);
    const keypair: FakeKeypair = {
      name: req.name,
      type: type as FakeKeypair['type'],
      publicKey,
      fingerprint: fingerprint(blob),
      userId: credentials.userId,
      createdAt: timestamps.novaMicro(Date.now()),
      id: this.nextId++,
    };
    state.keypairs.set(keypair.name, keypair);
    return json(atLeast(v, '2.2') ? 201 : 200, keypairCreateResponse(keypair, v, privateKey));
  }

  private list(ctx: RouteContext): WireResponse {
    const v = this.api.version(ctx);
    const keypairs = [...this.api.settings.state.keypairs.values()].sort((a, b) =>
      a.name < b.name ? -1 : 1,
    );
    return json(200, { keypairs: keypairs.map((k) => keypairListEntry(k, v)) });
  }

  private find(ctx: RouteContext): FakeKeypair {
    const keypair = this.api.settings.state.keypairs.get(ctx.params.name);
    if (!keypair) {
      this.api.fail(
        404,
        `Keypair ${ctx.params.name} not found for user ${this.api.settings.credentials.userId}`,
        ctx,
      );
    }
    return keypair;
  }
}
