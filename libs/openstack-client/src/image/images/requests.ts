import type { CallOptions } from '../../session/session-types';
import { InvalidArgumentError } from '../../common/errors';
import type { QueryValue } from '../../session/session-types';
import { GLANCE_CORE_ATTRIBUTES, type ImageVisibility } from './results';

export interface ListImagesFilters extends CallOptions {
  name?: string;
  status?: string;
  visibility?: ImageVisibility | 'all';
  owner?: string;
  /** Images having all these tags. */
  tags?: readonly string[];
  /** Extra property filters, sent as query parameters (Glance allows filtering on custom properties). */
  properties?: Readonly<Record<string, string>>;
  sortKey?: string;
  sortDir?: 'asc' | 'desc';
  pageSize?: number;
}

export interface CreateImageOptions extends CallOptions {
  name: string;
  diskFormat:
    'ami' | 'ari' | 'aki' | 'vhd' | 'vhdx' | 'vmdk' | 'raw' | 'qcow2' | 'vdi' | 'ploop' | 'iso';
  containerFormat: 'ami' | 'ari' | 'aki' | 'bare' | 'ovf' | 'ova' | 'docker' | 'compressed';
  visibility?: ImageVisibility;
  minDiskGb?: number;
  minRamMb?: number;
  protected?: boolean;
  tags?: readonly string[];
  /** Custom properties (string values), e.g. `{ os_distro: 'ubuntu' }`. */
  properties?: Readonly<Record<string, string>>;
  /** Choose the id (Glance allows it). */
  id?: string;
}

export interface UploadImageOptions extends CallOptions {
  /** Size of the data in bytes, when known for a stream (sent as Content-Length). */
  sizeBytes?: number;
  /** Upload timeout; defaults to 10x the client's request timeout. */
  timeoutMs?: number;
}

/**
 * Property updates (JSON patch, `application/openstack-images-v2.1-json-patch`):
 * a string sets (add or replace) the property, `null` removes it.
 */
export type ImagePropertyUpdates = Readonly<Record<string, string | null>>;

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
  'ploop',
  'iso',
];
const CONTAINER_FORMATS = ['ami', 'ari', 'aki', 'bare', 'ovf', 'ova', 'docker', 'compressed'];

/** POST /v2/images body: core attributes and custom properties side by side (Glance API reference "Create image"). */
export function buildCreateImageBody(options: CreateImageOptions): Record<string, unknown> {
  if (typeof options.name !== 'string' || options.name.trim() === '') {
    throw new InvalidArgumentError(
      'createImage.name',
      `must be a non-empty string, got ${JSON.stringify(options.name)}`,
    );
  }
  if (!DISK_FORMATS.includes(options.diskFormat)) {
    throw new InvalidArgumentError(
      'createImage.diskFormat',
      `"${options.diskFormat}" is not a Glance disk format`,
      `allowed: ${DISK_FORMATS.join(', ')}`,
    );
  }
  if (!CONTAINER_FORMATS.includes(options.containerFormat)) {
    throw new InvalidArgumentError(
      'createImage.containerFormat',
      `"${options.containerFormat}" is not a Glance container format`,
      `allowed: ${CONTAINER_FORMATS.join(', ')}`,
    );
  }
  const body: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options.properties ?? {})) {
    if (GLANCE_CORE_ATTRIBUTES.has(key)) {
      throw new InvalidArgumentError(
        `createImage.properties.${key}`,
        'is a core Glance attribute, not a custom property',
        'use the typed option instead',
      );
    }
    if (typeof value !== 'string')
      throw new InvalidArgumentError(`createImage.properties.${key}`, 'must be a string');
    body[key] = value;
  }
  body['name'] = options.name;
  body['disk_format'] = options.diskFormat;
  body['container_format'] = options.containerFormat;
  if (options.visibility) body['visibility'] = options.visibility;
  if (options.minDiskGb !== undefined) body['min_disk'] = options.minDiskGb;
  if (options.minRamMb !== undefined) body['min_ram'] = options.minRamMb;
  if (options.protected !== undefined) body['protected'] = options.protected;
  if (options.tags) body['tags'] = [...options.tags];
  if (options.id) body['id'] = options.id;
  return body;
}

/** GET /v2/images query (Glance API reference "List images"). */
export function buildListImagesQuery(filters: ListImagesFilters): Record<string, QueryValue> {
  const query: Record<string, QueryValue> = {};
  for (const [key, value] of Object.entries(filters.properties ?? {})) query[key] = value;
  query['name'] = filters.name;
  query['status'] = filters.status;
  query['visibility'] = filters.visibility;
  query['owner'] = filters.owner;
  query['tag'] = filters.tags?.length ? [...filters.tags] : undefined;
  query['sort_key'] = filters.sortKey;
  query['sort_dir'] = filters.sortDir;
  query['limit'] = filters.pageSize;
  return query;
}

export interface JsonPatchOp {
  op: 'add' | 'replace' | 'remove';
  path: string;
  value?: string;
}

/**
 * The JSON patch for property updates (media type application/openstack-images-v2.1-json-patch).
 * `current` is the image as it is now: existing keys are replaced, new keys added, and removing
 * a key that is not there is skipped (Glance would answer 409 "Property ... does not exist").
 */
export function buildPropertyPatch(
  current: Readonly<Record<string, unknown>>,
  updates: ImagePropertyUpdates,
): JsonPatchOp[] {
  const ops: JsonPatchOp[] = [];
  for (const [key, value] of Object.entries(updates)) {
    if (key === '' || key.includes('/'))
      throw new InvalidArgumentError(
        `updateProperties.${key}`,
        "property names cannot be empty or contain '/'",
      );
    // JSON pointer escaping (RFC 6901): ~ -> ~0, / -> ~1.
    const path = `/${key.replace(/~/g, '~0')}`;
    const exists = Object.prototype.hasOwnProperty.call(current, key) && current[key] !== undefined;
    if (value === null) {
      if (exists) ops.push({ op: 'remove', path });
    } else if (typeof value !== 'string') {
      throw new InvalidArgumentError(
        `updateProperties.${key}`,
        'must be a string or null (to remove it)',
      );
    } else {
      ops.push({ op: exists ? 'replace' : 'add', path, value });
    }
  }
  return ops;
}

export const JSON_PATCH_CONTENT_TYPE = 'application/openstack-images-v2.1-json-patch';
