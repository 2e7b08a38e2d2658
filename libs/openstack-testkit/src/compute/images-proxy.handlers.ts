// Nova's deprecated image proxy (GET /v2.1/images, /images/detail, /images/{id}): served up to
// 2.35, 404 from 2.36 (captures/nova/37-nova-images-proxy-get-snapshot.txt answers 200 at 2.1;
// 37b-nova-images-proxy-2.36.txt answers 404 itemNotFound). Shape: nova
// doc/api_samples/images/image-get-resp.json and nova/api/openstack/compute/views/images.py
// (status and progress from the Glance status, user properties under `metadata`, a `server`
// link for snapshots, an `alternate` link to Glance without /v2).
import type { FakeImage } from '../fake-openstack.types';
import { json, type RouteContext, type Router, type WireResponse } from '../http/wire';
import { atLeast } from './microversion';
import type { ComputeApi } from './compute.service';

/** nova/api/openstack/compute/views/images.py _get_status / _get_progress. */
const STATUS: Record<string, string> = {
  active: 'ACTIVE',
  queued: 'SAVING',
  saving: 'SAVING',
  deleted: 'DELETED',
  pending_delete: 'DELETED',
  killed: 'ERROR',
};
const PROGRESS: Record<string, number> = { queued: 25, saving: 50, active: 100 };

export class ImagesProxyHandlers {
  constructor(private readonly api: ComputeApi) {}

  register(router: Router): void {
    router
      .add('GET', '/v2.1/images', (ctx) => this.list(ctx, false))
      .add('GET', '/v2.1/images/detail', (ctx) => this.list(ctx, true))
      .add('GET', '/v2.1/images/:id', (ctx) => this.show(ctx));
  }

  private show(ctx: RouteContext): WireResponse {
    this.gone(ctx);
    const { state, lifecycle } = this.api.settings;
    const image = state.images.get(ctx.params.id);
    if (!image || !lifecycle.advanceImage(image) || !this.visible(image))
      this.api.fail(404, 'Image not found.', ctx);
    return json(200, { image: this.detail(ctx, image) });
  }

  private list(ctx: RouteContext, detail: boolean): WireResponse {
    this.gone(ctx);
    const { state, lifecycle } = this.api.settings;
    lifecycle.advanceAllImages();
    const images = [...state.images.values()].filter((image) => this.visible(image));
    return json(200, {
      images: images.map((image) =>
        detail
          ? this.detail(ctx, image)
          : { id: image.id, name: image.name, links: this.links(ctx, image) },
      ),
    });
  }

  /** From 2.36 the proxy APIs are gone: 404 as for any unknown route. */
  private gone(ctx: RouteContext): void {
    if (atLeast(this.api.version(ctx), '2.36'))
      this.api.fail(404, 'The resource could not be found.', ctx);
  }

  private visible(image: FakeImage): boolean {
    const owner = this.api.settings.credentials.projectId;
    return (
      image.owner === owner || image.visibility === 'public' || image.visibility === 'community'
    );
  }

  private links(ctx: RouteContext, image: FakeImage): unknown[] {
    const { computeUrl, computeRoot } = this.api.urls(ctx);
    return [
      { rel: 'self', href: `${computeUrl}/images/${image.id}` },
      { rel: 'bookmark', href: `${computeRoot}/images/${image.id}` },
      {
        rel: 'alternate',
        type: 'application/vnd.openstack.image',
        href: `${this.api.settings.endpoints().image}/images/${image.id}`,
      },
    ];
  }

  private detail(ctx: RouteContext, image: FakeImage): Record<string, unknown> {
    const view: Record<string, unknown> = {
      id: image.id,
      name: image.name,
      minRam: image.minRam,
      minDisk: image.minDisk,
      metadata: { ...image.properties },
      created: image.createdAt,
      updated: image.updatedAt,
      status: STATUS[image.status] ?? 'UNKNOWN',
      progress: PROGRESS[image.status] ?? 0,
      'OS-EXT-IMG-SIZE:size': image.size,
      links: this.links(ctx, image),
    };
    const serverId = image.properties.instance_uuid;
    if (serverId) {
      const { computeUrl, computeRoot } = this.api.urls(ctx);
      view.server = {
        id: serverId,
        links: [
          { rel: 'self', href: `${computeUrl}/servers/${serverId}` },
          { rel: 'bookmark', href: `${computeRoot}/servers/${serverId}` },
        ],
      };
    }
    return view;
  }
}
