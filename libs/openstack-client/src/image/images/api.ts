import type { Readable } from 'node:stream';
import { AmbiguousNameError, NotFoundError } from '../../common/errors';
import { ResourceList } from '../../common/pagination';
import { pollUntil, type WaitForStatusOptions } from '../../common/wait';
import { readJsonObject } from '../../common/wire';
import type { DeleteOptions } from '../../compute/servers/requests';
import type { CallOptions } from '../../session/session-types';
import type { Session } from '../../session/session';
import {
  buildCreateImageBody,
  buildListImagesQuery,
  buildPropertyPatch,
  JSON_PATCH_CONTENT_TYPE,
  type CreateImageOptions,
  type ImagePropertyUpdates,
  type ListImagesFilters,
  type UploadImageOptions,
} from './requests';
import { parseImage, parseImagePage, type Image, type ImageStatus } from './results';
import * as urls from './urls';
import { DEFAULT_IMAGE_FAIL_STATES, imageStatusWait } from './wait';

export type WaitForImageStatusOptions = WaitForStatusOptions<Image, ImageStatus>;

/** Image data can be large: uploads get this many times the normal request timeout unless told otherwise. */
const UPLOAD_TIMEOUT_FACTOR = 10;

export class ImagesApi {
  constructor(private readonly session: Session) {}

  /** GET /v2/images, lazily following Glance's `next`. */
  list(filters: ListImagesFilters = {}): ResourceList<Image> {
    return new ResourceList<Image>(async (next) => {
      const res = await this.session.request('image', {
        method: 'GET',
        path: next ?? urls.imagesUrl(),
        query: next ? undefined : buildListImagesQuery(filters),
        signal: filters.signal,
      });
      const { wire, root } = readJsonObject(res);
      const page = parseImagePage(wire, root);
      const nextUrl = page.next
        ? urls.resolveGlanceNext(await this.session.serviceBaseUrl('image'), page.next)
        : undefined;
      return { items: page.items, next: nextUrl };
    });
  }

  /** The one image with this exact name, undefined if none; AmbiguousNameError (listing the ids) if several. */
  async findByName(name: string, options: CallOptions = {}): Promise<Image | undefined> {
    const matches = (await this.list({ name, signal: options.signal }).toArray()).filter(
      (img) => img.name === name,
    );
    if (matches.length > 1)
      throw new AmbiguousNameError(
        'image',
        name,
        matches.map((img) => img.id),
      );
    return matches[0];
  }

  /** GET /v2/images/{id}. */
  async get(imageId: string, options: CallOptions = {}): Promise<Image> {
    const res = await this.session.request('image', {
      method: 'GET',
      path: urls.imageUrl(imageId),
      signal: options.signal,
    });
    const { wire, root } = readJsonObject(res);
    return parseImage(wire, root);
  }

  /** GET /v2/images/{id}, undefined on 404. */
  async find(imageId: string, options: CallOptions = {}): Promise<Image | undefined> {
    try {
      return await this.get(imageId, options);
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  }

  /** POST /v2/images (the image starts `queued`). Never retried. */
  async create(options: CreateImageOptions): Promise<Image> {
    const res = await this.session.request('image', {
      method: 'POST',
      path: urls.imagesUrl(),
      json: buildCreateImageBody(options),
      signal: options.signal,
    });
    const { wire, root } = readJsonObject(res);
    return parseImage(wire, root);
  }

  /** PUT /v2/images/{id}/file (application/octet-stream). The image moves saving -> active. */
  async upload(
    imageId: string,
    data: Buffer | Readable,
    options: UploadImageOptions = {},
  ): Promise<void> {
    const headers: Record<string, string> = {};
    if (!Buffer.isBuffer(data) && options.sizeBytes !== undefined)
      headers['Content-Length'] = String(options.sizeBytes);
    await this.session.request('image', {
      method: 'PUT',
      path: urls.imageFileUrl(imageId),
      body: data,
      contentType: 'application/octet-stream',
      headers,
      timeoutMs: options.timeoutMs ?? this.session.options.timeoutMs * UPLOAD_TIMEOUT_FACTOR,
      signal: options.signal,
    });
  }

  /**
   * PATCH /v2/images/{id} with a JSON patch: string values set (add or replace), null removes.
   * Reads the image first so each op is the right one; returns the updated image.
   */
  async updateProperties(
    imageId: string,
    updates: ImagePropertyUpdates,
    options: CallOptions = {},
  ): Promise<Image> {
    const current = await this.session.request('image', {
      method: 'GET',
      path: urls.imageUrl(imageId),
      signal: options.signal,
    });
    const { root: currentRoot } = readJsonObject(current);
    const patch = buildPropertyPatch(currentRoot, updates);
    if (patch.length === 0) {
      const { wire } = readJsonObject(current);
      return parseImage(wire, currentRoot);
    }
    const res = await this.session.request('image', {
      method: 'PATCH',
      path: urls.imageUrl(imageId),
      json: patch,
      contentType: JSON_PATCH_CONTENT_TYPE,
      signal: options.signal,
    });
    const { wire, root } = readJsonObject(res);
    return parseImage(wire, root);
  }

  /** DELETE /v2/images/{id}; false when already gone (ignoreMissing, default true). */
  async delete(imageId: string, options: DeleteOptions = {}): Promise<boolean> {
    try {
      await this.session.request('image', {
        method: 'DELETE',
        path: urls.imageUrl(imageId),
        signal: options.signal,
      });
      return true;
    } catch (err) {
      if (err instanceof NotFoundError && (options.ignoreMissing ?? true)) return false;
      throw err;
    }
  }

  /** Polls until the image reaches a target status; fails at once on failOn (default killed, deleted, pending_delete) or a 404. */
  async waitForStatus(imageId: string, options: WaitForImageStatusOptions): Promise<Image> {
    const targets =
      typeof options.target === 'string'
        ? [options.target as ImageStatus]
        : [...(options.target as readonly ImageStatus[])];
    return pollUntil(
      imageStatusWait(
        imageId,
        (signal) => this.find(imageId, { signal }),
        targets,
        options.failOn ?? DEFAULT_IMAGE_FAIL_STATES,
      ),
      options,
    );
  }
}
