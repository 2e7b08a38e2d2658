// Fake Glance v2: version discovery, images list (filters, sorting, `next` pagination), show,
// create, data upload/download, JSON-patch update, delete, deactivate/reactivate and tags, with
// Glance's Accept-negotiated error bodies.
import type { FakeCloudState, FakeCredentials, FakeImage } from '../fake-openstack.types';
import { FakeServiceBase } from '../http/service-base';
import {
  WireError,
  empty,
  isRecord,
  json,
  timestamps,
  type RouteContext,
  type WireHeaders,
  type WireRequest,
  type WireResponse,
} from '../http/wire';
import type { TokenStore } from '../identity/token-store';
import type { CloudLifecycle } from '../state/cloud-lifecycle';
import { newImage, setImageData } from '../state/cloud-state';
import { glanceVersionsResponse, imageView } from '../fixtures/glance-image-show-response.v2';
import {
  GLANCE_UNAUTHORIZED_MESSAGE,
  glanceError,
  glanceJsonError,
} from '../fixtures/glance-error-response.v2';

export interface ImageSettings {
  state: FakeCloudState;
  credentials: FakeCredentials;
  lifecycle: CloudLifecycle;
}

const DISK_FORMATS = [
  'ami',
  'ari',
  'aki',
  'vhd',
  'vhdx',
  'vmdk',
  'raw',
  'qcow2',
  'vdi',
  'iso',
  'ploop',
];
const CONTAINER_FORMATS = ['ami', 'ari', 'aki', 'bare', 'ovf', 'ova', 'docker', 'compressed'];
const READ_ONLY = new Set([
  'status',
  'size',
  'virtual_size',
  'checksum',
  'os_hash_algo',
  'os_hash_value',
  'created_at',
  'updated_at',
  'self',
  'file',
  'schema',
  'direct_url',
  'locations',
  'stores',
  'owner',
  'id',
]);
const CORE_WRITABLE = new Set([
  'name',
  'visibility',
  'tags',
  'disk_format',
  'container_format',
  'min_disk',
  'min_ram',
  'protected',
  'os_hidden',
]);
// Query keys with their own meaning; any other key filters on an image property (Glance v2).
const LIST_KEYS = new Set([
  'limit',
  'marker',
  'sort_key',
  'sort_dir',
  'sort',
  'name',
  'status',
  'visibility',
  'owner',
  'tag',
  'member_status',
  'os_hidden',
  'id',
  'disk_format',
  'container_format',
  'protected',
  'size_min',
  'size_max',
  'created_at',
  'updated_at',
]);
const DEFAULT_LIMIT = 25;
const MAX_LIMIT = 1000;
const PATCH_TYPES = [
  'application/openstack-images-v2.1-json-patch',
  'application/openstack-images-v2.0-json-patch',
];

export class ImageService extends FakeServiceBase {
  readonly name = 'image' as const;
  readonly prefix = '/image';

  constructor(
    tokens: TokenStore,
    private readonly settings: ImageSettings,
  ) {
    super(tokens);
    const versions = (ctx: RouteContext, status: number): WireResponse =>
      json(status, glanceVersionsResponse(`${ctx.origin}${this.prefix}`));
    this.router
      .add('GET', '/', (ctx) => versions(ctx, 300), { public: true })
      .add('GET', '/versions', (ctx) => versions(ctx, 200), { public: true })
      .add('GET', '/v2/images', (ctx) => this.list(ctx))
      .add('POST', '/v2/images', (ctx) => this.create(ctx))
      .add('GET', '/v2/images/:id', (ctx) => json(200, imageView(this.find(ctx))))
      .add('PATCH', '/v2/images/:id', (ctx) => this.update(ctx))
      .add('DELETE', '/v2/images/:id', (ctx) => this.remove(ctx))
      .add('PUT', '/v2/images/:id/file', (ctx) => this.upload(ctx))
      .add('GET', '/v2/images/:id/file', (ctx) => this.download(ctx))
      .add('POST', '/v2/images/:id/actions/deactivate', (ctx) => this.setActive(ctx, false))
      .add('POST', '/v2/images/:id/actions/reactivate', (ctx) => this.setActive(ctx, true))
      .add('PUT', '/v2/images/:id/tags/:tag', (ctx) => this.tag(ctx, true))
      .add('DELETE', '/v2/images/:id/tags/:tag', (ctx) => this.tag(ctx, false));
  }

  commonHeaders(req: WireRequest): WireHeaders {
    // Glance's version documents carry no request id (captures/glance/01-get-root.txt).
    if (req.servicePath === '/' || req.servicePath === '/versions') return {};
    return { 'X-Openstack-Request-Id': req.requestId };
  }

  errorBody(status: number, message: string | undefined): unknown {
    return glanceJsonError(status, message);
  }

  override error(
    status: number,
    message: string | undefined,
    req: WireRequest,
    headers: WireHeaders = {},
  ): WireResponse {
    const accept = typeof req.headers.accept === 'string' ? req.headers.accept : undefined;
    const response = glanceError(status, message, accept);
    return { ...response, headers: { ...response.headers, ...headers } };
  }

  override unauthorized(req: WireRequest): WireResponse {
    const response = this.error(401, GLANCE_UNAUTHORIZED_MESSAGE, req, {
      'Www-Authenticate': `Keystone uri="${req.origin}/identity"`,
    });
    // keystonemiddleware answers before Glance's request-id middleware: no request id here
    // (captures/glance/03-no-token.txt). An empty value tells the server to drop the header.
    return { ...response, headers: { ...response.headers, 'X-Openstack-Request-Id': '' } };
  }

  private fail(
    status: number,
    message: string,
    ctx: WireRequest,
    headers: WireHeaders = {},
  ): never {
    throw new WireError(this.error(status, message, ctx, headers));
  }

  private find(ctx: RouteContext, notFound = `No image found with ID ${ctx.params.id}`): FakeImage {
    const image = this.settings.state.images.get(ctx.params.id);
    if (!image || !this.settings.lifecycle.advanceImage(image) || !this.visible(image))
      this.fail(404, notFound, ctx);
    return image;
  }

  private visible(image: FakeImage): boolean {
    return (
      image.owner === this.settings.credentials.projectId ||
      image.visibility === 'public' ||
      image.visibility === 'community'
    );
  }

  private owned(ctx: RouteContext, image: FakeImage, message = 'You do not own this image'): void {
    if (image.owner !== this.settings.credentials.projectId) this.fail(403, message, ctx);
  }

  private list(ctx: RouteContext): WireResponse {
    const { state, lifecycle } = this.settings;
    lifecycle.advanceAllImages();
    const q = ctx.query;
    let images = [...state.images.values()].filter((i) => this.visible(i));
    const limitText = q.get('limit');
    let limit = DEFAULT_LIMIT;
    if (limitText !== null) {
      if (!/^-?\d+$/.test(limitText)) this.fail(400, 'limit param must be an integer', ctx);
      limit = Number(limitText);
      if (limit < 0) this.fail(400, 'limit param must be positive', ctx);
      limit = Math.min(limit, MAX_LIMIT);
    }
    for (const [key, pick] of [
      ['name', (i: FakeImage) => i.name],
      ['status', (i: FakeImage) => i.status],
      ['visibility', (i: FakeImage) => i.visibility],
      ['owner', (i: FakeImage) => i.owner],
      ['id', (i: FakeImage) => i.id],
      ['disk_format', (i: FakeImage) => i.diskFormat],
      ['container_format', (i: FakeImage) => i.containerFormat],
    ] as const) {
      const value = q.get(key);
      if (value === null) continue;
      // Glance accepts `in:a,b` for name/status/id and friends.
      const wanted = value.startsWith('in:') ? value.slice(3).split(',') : [value];
      images = images.filter((i) => wanted.includes(String(pick(i))));
    }
    for (const tag of q.getAll('tag')) images = images.filter((i) => i.tags.includes(tag));
    for (const [key, value] of q) {
      if (!LIST_KEYS.has(key)) images = images.filter((i) => i.properties[key] === value);
    }
    images.sort(this.comparator(ctx));
    const marker = q.get('marker');
    if (marker !== null) {
      const index = images.findIndex((i) => i.id === marker);
      if (index < 0) this.fail(400, `Invalid marker. Image ${marker} could not be found.`, ctx);
      images = images.slice(index + 1);
    }
    const page = images.slice(0, limit);
    const firstQuery = new URLSearchParams(q);
    firstQuery.delete('marker');
    const first = firstQuery.toString();
    const body: Record<string, unknown> = {
      images: page.map(imageView),
      first: `/v2/images${first ? `?${first}` : ''}`,
      schema: '/v2/schemas/images',
    };
    if (page.length > 0 && page.length === limit) {
      const next = new URLSearchParams(firstQuery);
      next.set('marker', page[page.length - 1].id);
      body.next = `/v2/images?${next.toString()}`;
    }
    return json(200, body);
  }

  private comparator(ctx: RouteContext): (a: FakeImage, b: FakeImage) => number {
    const q = ctx.query;
    const keys: { key: string; dir: 'asc' | 'desc' }[] = [];
    const sort = q.get('sort');
    if (sort) {
      for (const part of sort.split(',')) {
        const [key, dir = 'desc'] = part.split(':');
        if (dir !== 'asc' && dir !== 'desc') this.fail(400, `Invalid sort direction: ${dir}`, ctx);
        keys.push({ key, dir });
      }
    } else {
      const dir = q.get('sort_dir') ?? 'desc';
      if (dir !== 'asc' && dir !== 'desc') this.fail(400, `Invalid sort direction: ${dir}`, ctx);
      keys.push({ key: q.get('sort_key') ?? 'created_at', dir });
    }
    keys.push({ key: 'id', dir: 'desc' });
    const allowed = new Set([
      'name',
      'status',
      'container_format',
      'disk_format',
      'size',
      'id',
      'created_at',
      'updated_at',
    ]);
    for (const k of keys)
      if (!allowed.has(k.key))
        this.fail(
          400,
          `Invalid sort key: ${k.key}. It must be one of the following: ${[...allowed].join(', ')}.`,
          ctx,
        );
    return (a, b) => {
      for (const { key, dir } of keys) {
        const av = String(imageView(a)[key] ?? '');
        const bv = String(imageView(b)[key] ?? '');
        if (av !== bv) return (av < bv ? -1 : 1) * (dir === 'asc' ? 1 : -1);
      }
      return 0;
    };
  }

  private parseJson(ctx: RouteContext): unknown {
    try {
      return ctx.rawBody.length ? JSON.parse(ctx.rawBody.toString('utf8')) : undefined;
    } catch {
      return this.fail(400, 'Malformed JSON in request body.', ctx);
    }
  }

  private create(ctx: RouteContext): WireResponse {
    const body = this.parseJson(ctx);
    if (!isRecord(body)) this.fail(400, 'Request body must be a JSON object', ctx);
    const image = newImage({ owner: this.settings.credentials.projectId });
    for (const [key, value] of Object.entries(body)) {
      if (key === 'id') {
        if (typeof value !== 'string' || this.settings.state.images.has(value))
          this.fail(409, `Image with identifier ${String(value)} already exists!`, ctx);
        image.id = value;
        continue;
      }
      if (READ_ONLY.has(key)) this.fail(403, `Attribute '${key}' is read-only.`, ctx);
      this.applyField(ctx, image, key, value);
    }
    this.settings.state.images.set(image.id, image);
    return json(201, imageView(image), {
      Location: `${ctx.origin}${this.prefix}/v2/images/${image.id}`,
      'OpenStack-image-import-methods': 'glance-direct,web-download,copy-image',
      'OpenStack-image-store-ids': 'file,os_glance_staging_store,os_glance_tasks_store',
    });
  }

  /** Set one writable attribute or property, validating like Glance's image schema. */
  private applyField(ctx: RouteContext, image: FakeImage, key: string, value: unknown): void {
    const schemaError = (problem: string): never =>
      this.fail(400, `Provided object does not match schema 'image': ${problem}`, ctx);
    switch (key) {
      case 'name':
        if (value !== null && (typeof value !== 'string' || value.length > 255))
          schemaError(`${JSON.stringify(value)} is not of type 'null', 'string'`);
        image.name = value as string | null;
        break;
      case 'visibility':
        if (!['public', 'private', 'shared', 'community'].includes(String(value))) {
          schemaError(
            `'${String(value)}' is not one of ['community', 'public', 'private', 'shared']`,
          );
        }
        if (value === 'public')
          this.fail(403, 'You are not authorized to complete publicize_image action.', ctx);
        image.visibility = value as FakeImage['visibility'];
        break;
      case 'disk_format':
        if (value !== null && !DISK_FORMATS.includes(String(value))) {
          schemaError(
            `'${String(value)}' is not one of [None, ${DISK_FORMATS.map((f) => `'${f}'`).join(', ')}]`,
          );
        }
        image.diskFormat = value as string | null;
        break;
      case 'container_format':
        if (value !== null && !CONTAINER_FORMATS.includes(String(value))) {
          schemaError(
            `'${String(value)}' is not one of [None, ${CONTAINER_FORMATS.map((f) => `'${f}'`).join(', ')}]`,
          );
        }
        image.containerFormat = value as string | null;
        break;
      case 'min_disk':
      case 'min_ram':
        if (!Number.isInteger(value) || (value as number) < 0)
          schemaError(`${JSON.stringify(value)} is not of type 'integer'`);
        if (key === 'min_disk') image.minDisk = value as number;
        else image.minRam = value as number;
        break;
      case 'protected':
      case 'os_hidden':
        if (typeof value !== 'boolean')
          schemaError(`${JSON.stringify(value)} is not of type 'boolean'`);
        if (key === 'protected') image.protected = value as boolean;
        break;
      case 'tags':
        if (!Array.isArray(value) || value.some((t) => typeof t !== 'string'))
          schemaError(`${JSON.stringify(value)} is not of type 'array'`);
        image.tags = [...new Set(value as string[])];
        break;
      default:
        if (typeof value !== 'string')
          schemaError(`${JSON.stringify(value)} is not of type 'string'`);
        image.properties[key] = value as string;
    }
  }

  private update(ctx: RouteContext): WireResponse {
    const contentType = String(ctx.headers['content-type'] ?? '')
      .split(';')[0]
      .trim();
    if (!PATCH_TYPES.includes(contentType)) {
      this.fail(
        415,
        `The request media type ${contentType || 'None'} is not supported by this server.\n`,
        ctx,
        {
          'Accept-Patch': PATCH_TYPES.slice().reverse().join(', '),
        },
      );
    }
    const image = this.find(ctx);
    this.owned(ctx, image);
    const ops = this.parseJson(ctx);
    if (!Array.isArray(ops))
      this.fail(400, 'Request body must be a JSON array of operation objects.', ctx);
    const draft: FakeImage = {
      ...image,
      properties: { ...image.properties },
      tags: [...image.tags],
    };
    for (const op of ops) {
      if (
        !isRecord(op) ||
        typeof op.op !== 'string' ||
        typeof op.path !== 'string' ||
        !op.path.startsWith('/')
      ) {
        this.fail(
          400,
          'Operation objects must contain exactly one member named "op" and "path".',
          ctx,
        );
      }
      const key = op.path.slice(1).replace(/~1/g, '/').replace(/~0/g, '~');
      if (READ_ONLY.has(key)) this.fail(403, `Attribute '${key}' is read-only.`, ctx);
      const isProperty = !CORE_WRITABLE.has(key);
      switch (op.op) {
        case 'add':
          this.applyField(ctx, draft, key, op.value);
          break;
        case 'replace':
          if (isProperty && !(key in draft.properties)) {
            this.fail(
              409,
              `There was a conflict when trying to complete your request.<br /><br />\nProperty ${key} does not exist.\n`,
              ctx,
            );
          }
          this.applyField(ctx, draft, key, op.value);
          break;
        case 'remove':
          if (!isProperty) this.fail(403, `Attribute '${key}' is read-only.`, ctx);
          if (!(key in draft.properties)) {
            this.fail(
              409,
              `There was a conflict when trying to complete your request.<br /><br />\nProperty ${key} does not exist.\n`,
              ctx,
            );
          }
          delete draft.properties[key];
          break;
        default:
          this.fail(
            400,
            `Invalid operation: \`${op.op}\`: Unable to find '${op.op}' in JSON Schema change`,
            ctx,
          );
      }
    }
    Object.assign(image, draft, { updatedAt: timestamps.seconds() });
    return json(200, imageView(image));
  }

  private remove(ctx: RouteContext): WireResponse {
    const image = this.find(ctx, `Failed to find image ${ctx.params.id} to delete`);
    this.owned(ctx, image);
    if (image.protected)
      this.fail(403, `Image ${image.id} is protected and cannot be deleted.`, ctx);
    this.settings.state.images.delete(image.id);
    return empty(204, { 'Content-Type': 'text/html; charset=UTF-8' });
  }

  private upload(ctx: RouteContext): WireResponse {
    const contentType = String(ctx.headers['content-type'] ?? '')
      .split(';')[0]
      .trim();
    if (contentType !== 'application/octet-stream') {
      this.fail(
        415,
        `The request media type ${contentType || 'None'} is not supported by this server.\n`,
        ctx,
      );
    }
    const image = this.find(ctx);
    this.owned(ctx, image);
    if (image.status !== 'queued') {
      this.fail(409, `Image status transition from ${image.status} to saving is not allowed`, ctx);
    }
    if (!image.diskFormat || !image.containerFormat) {
      this.fail(
        400,
        'Properties disk_format, container_format must be set prior to saving data.',
        ctx,
      );
    }
    setImageData(image, ctx.rawBody);
    image.virtualSize = image.size;
    image.status = 'active';
    image.updatedAt = timestamps.seconds();
    return empty(204, { 'Content-Type': 'text/html; charset=UTF-8' });
  }

  private download(ctx: RouteContext): WireResponse {
    const image = this.find(ctx);
    if (image.status === 'deactivated')
      this.fail(
        403,
        'The requested image has been deactivated. Image data download is forbidden.',
        ctx,
      );
    if (image.data === null) return empty(204);
    return {
      status: 200,
      raw: image.data,
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Md5': image.checksum ?? '' },
    };
  }

  private setActive(ctx: RouteContext, active: boolean): WireResponse {
    const image = this.find(ctx);
    this.owned(
      ctx,
      image,
      'You are not authorized to complete ' + (active ? 'reactivate' : 'deactivate') + ' action.',
    );
    const from = active ? 'deactivated' : 'active';
    if (image.status !== from && image.status !== (active ? 'active' : 'deactivated')) {
      this.fail(
        403,
        `Not allowed to ${active ? 'reactivate' : 'deactivate'} image in status '${image.status}'`,
        ctx,
      );
    }
    image.status = active ? 'active' : 'deactivated';
    image.updatedAt = timestamps.seconds();
    return empty(204);
  }

  private tag(ctx: RouteContext, add: boolean): WireResponse {
    const image = this.find(ctx);
    this.owned(ctx, image);
    const tag = ctx.params.tag;
    if (add) {
      if (!image.tags.includes(tag)) image.tags.push(tag);
    } else {
      if (!image.tags.includes(tag)) this.fail(404, `Tag ${tag} not found`, ctx);
      image.tags = image.tags.filter((t) => t !== tag);
    }
    return empty(204);
  }
}
