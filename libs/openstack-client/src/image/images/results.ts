import type { WireReader } from '../../common/wire';

/** Glance v2 image statuses (API reference "Images" -> image status). */
export type ImageStatus =
  | 'queued'
  | 'saving'
  | 'uploading'
  | 'importing'
  | 'active'
  | 'killed'
  | 'deleted'
  | 'pending_delete'
  | 'deactivated';

export type ImageVisibility = 'public' | 'private' | 'shared' | 'community';

export interface Image {
  id: string;
  name?: string;
  status: ImageStatus;
  visibility: ImageVisibility;
  diskFormat?: string;
  containerFormat?: string;
  /** Bytes of image data; undefined until uploaded. */
  sizeBytes?: number;
  checksum?: string;
  minDiskGb: number;
  minRamMb: number;
  protected: boolean;
  tags: string[];
  owner?: string;
  createdAt?: string;
  updatedAt?: string;
  /** Every property that is not a core Glance field (e.g. os_distro, our own labels), as sent. */
  properties: Record<string, unknown>;
}

const STATUSES: ReadonlySet<string> = new Set<ImageStatus>([
  'queued',
  'saving',
  'uploading',
  'importing',
  'active',
  'killed',
  'deleted',
  'pending_delete',
  'deactivated',
]);
const VISIBILITIES: ReadonlySet<string> = new Set<ImageVisibility>([
  'public',
  'private',
  'shared',
  'community',
]);

/**
 * Glance's own attributes: everything else on the image object is a custom property, and a
 * custom property may not use one of these names (Glance answers 403 for reserved ones).
 */
export const GLANCE_CORE_ATTRIBUTES: ReadonlySet<string> = new Set([
  'id',
  'name',
  'status',
  'visibility',
  'protected',
  'checksum',
  'owner',
  'size',
  'virtual_size',
  'min_ram',
  'min_disk',
  'created_at',
  'updated_at',
  'disk_format',
  'container_format',
  'tags',
  'self',
  'file',
  'schema',
  'locations',
  'direct_url',
  'os_hidden',
  'os_hash_algo',
  'os_hash_value',
  'stores',
]);

type Obj = Record<string, unknown>;

/** A Glance v2 image object (flat: core attributes and custom properties share one object). */
export function parseImage(wire: WireReader, img: Obj, path = 'image'): Image {
  const status = wire.string(img, 'status', path);
  if (!STATUSES.has(status)) wire.fail(`${path}.status "${status}" is not a Glance image status`);
  const visibility = wire.optionalString(img, 'visibility', path) ?? 'private';
  if (!VISIBILITIES.has(visibility))
    wire.fail(`${path}.visibility "${visibility}" is not a Glance visibility`);
  const properties: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(img))
    if (!GLANCE_CORE_ATTRIBUTES.has(key)) properties[key] = value;
  return {
    id: wire.string(img, 'id', path),
    name: wire.optionalString(img, 'name', path),
    status: status as ImageStatus,
    visibility: visibility as ImageVisibility,
    diskFormat: wire.optionalString(img, 'disk_format', path),
    containerFormat: wire.optionalString(img, 'container_format', path),
    sizeBytes: wire.optionalNumber(img, 'size', path),
    checksum: wire.optionalString(img, 'checksum', path),
    minDiskGb: wire.optionalNumber(img, 'min_disk', path) ?? 0,
    minRamMb: wire.optionalNumber(img, 'min_ram', path) ?? 0,
    protected: wire.optionalBoolean(img, 'protected', path) ?? false,
    tags: img['tags'] === undefined ? [] : wire.stringArray(img, 'tags', path),
    owner: wire.optionalString(img, 'owner', path),
    createdAt: wire.optionalString(img, 'created_at', path),
    updatedAt: wire.optionalString(img, 'updated_at', path),
    properties,
  };
}

/** GET /v2/images: `{"images": [...], "next": "/v2/images?marker=..."}` (no `next` on the last page). */
export function parseImagePage(
  wire: WireReader,
  root: Obj,
): { items: Image[]; next: string | undefined } {
  return {
    items: wire
      .array(root, 'images', 'body')
      .map((img, i) => parseImage(wire, wire.record(img, `images[${i}]`), `images[${i}]`)),
    next: wire.optionalString(root, 'next', 'body', true),
  };
}
