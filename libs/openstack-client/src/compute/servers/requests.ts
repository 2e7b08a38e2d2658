import type { CallOptions } from '../../session/session-types';
import { InvalidArgumentError } from '../../common/errors';
import {
  COMPUTE_MICROVERSION_FEATURES as MV,
  requireMicroversion,
  type Microversion,
} from '../microversion';
import type { QueryValue } from '../../session/session-types';

/** One network attachment for a new server (POST /servers `networks[]`). Give `uuid` or `port`. */
export interface ServerNetworkAttachment {
  /** Network id. */
  uuid?: string;
  /** Pre-created port id. */
  port?: string;
  /** Request a specific fixed IP on `uuid`. */
  fixedIp?: string;
  /** Device tag (microversion 2.42+). */
  tag?: string;
}

/**
 * `networks`: a list of attachments, or (microversion 2.37+) `'auto'` (Nova allocates a network if
 * the project has none) or `'none'` (no NIC). Omitted: 2.37+ sends `'auto'`, older sends nothing.
 */
export type ServerNetworks = readonly ServerNetworkAttachment[] | 'auto' | 'none';

export interface CreateServerOptions extends CallOptions {
  name: string;
  /** Image id (`imageRef`). */
  imageId: string;
  /** Flavor id (`flavorRef`); resolve a name with `compute.flavors.find()`. */
  flavorId: string;
  networks?: ServerNetworks;
  keyName?: string;
  /** Security group names or ids (`security_groups[].name`). */
  securityGroups?: readonly string[];
  /** Cloud-init user data as text or bytes; we base64 it (the API wants base64, at most 65535 bytes encoded). */
  userData?: string | Buffer;
  /** Server metadata (keys and values up to 255 characters). */
  metadata?: Readonly<Record<string, string>>;
  /** `availability_zone`: the zone to boot in (Nova's scheduler picks the host there). */
  availabilityZone?: string;
  /**
   * `os:scheduler_hints` (a sibling of `server` in the body): `group` boots the server into a
   * server group (its policy then binds the scheduler; Nova API reference "Create Server").
   */
  schedulerHints?: ServerSchedulerHints;
  /** Tags at create need microversion 2.52 (MicroversionNotSupportedError below that). */
  tags?: readonly string[];
  configDrive?: boolean;
}

/** Scheduler hints Nova understands at create; `group` is the server group id. */
export interface ServerSchedulerHints {
  group?: string;
  /** Other hints (same_host, different_host, query ...) passed as they are. */
  [hint: string]: string | readonly string[] | undefined;
}

/** GET /servers/detail filters (API reference "List Servers Detailed"). */
export interface ListServersFilters extends CallOptions {
  /** Nova treats `name` as a regular expression; we anchor it for an exact match when `exactName` is set. */
  name?: string;
  /** Match the name exactly (sends `^name$`, escaped). */
  exactName?: string;
  status?: string;
  /** Servers having all these tags (2.26+). */
  tags?: readonly string[];
  /** Servers having any of these tags (2.26+). */
  tagsAny?: readonly string[];
  /**
   * Servers whose metadata has these key/values. Nova has no server-side metadata filter for
   * non-admins, so this filter is applied client side after reading each page.
   */
  metadata?: Readonly<Record<string, string>>;
  imageId?: string;
  flavorId?: string;
  /** Changes since (ISO 8601); includes deleted servers. */
  changesSince?: string;
  /** Page size (`limit`); pages are followed lazily. */
  pageSize?: number;
}

export interface DeleteOptions extends CallOptions {
  /** Treat 404 (already gone) as success. Default true. */
  ignoreMissing?: boolean;
}

export interface CreateServerImageOptions extends CallOptions {
  name: string;
  metadata?: Readonly<Record<string, string>>;
}

export interface ConsoleOutputOptions extends CallOptions {
  /** Last N lines only. */
  length?: number;
}

// ---------------------------------------------------------------------------------------------
// Options -> wire. The only place that knows Nova's request envelope and quirks.
// ---------------------------------------------------------------------------------------------

/** Nova limits user_data to 65535 bytes after base64 (API reference, "Create Server": user_data). */
export const MAX_USER_DATA_BASE64_BYTES = 65_535;
const MAX_METADATA_CHARS = 255;

type Json = Record<string, unknown>;

function requireText(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new InvalidArgumentError(
      field,
      `must be a non-empty string, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

function checkMetadata(
  metadata: Readonly<Record<string, string>>,
  field: string,
): Record<string, string> {
  for (const [key, value] of Object.entries(metadata)) {
    if (key.length === 0 || key.length > MAX_METADATA_CHARS) {
      throw new InvalidArgumentError(
        `${field}`,
        `key "${key}" has ${key.length} characters`,
        `allowed: 1 to ${MAX_METADATA_CHARS} characters`,
      );
    }
    if (typeof value !== 'string' || value.length > MAX_METADATA_CHARS) {
      throw new InvalidArgumentError(
        `${field}.${key}`,
        'must be a string of at most 255 characters',
      );
    }
  }
  return { ...metadata };
}

function networksWire(networks: ServerNetworks | undefined, mv: Microversion): unknown {
  if (networks === undefined) {
    if (mv.atLeast(MV.networksAutoNone)) {
      // From 2.37 Nova requires `networks` (captured: 400 "'networks' is a required property").
      throw new InvalidArgumentError(
        'createServer.networks',
        `is required at compute microversion ${MV.networksAutoNone} and later (this client uses ${mv})`,
        "allowed: a list of { uuid } / { port } attachments, 'auto' or 'none'",
      );
    }
    return undefined;
  }
  if (networks === 'auto' || networks === 'none') {
    requireMicroversion(mv, MV.networksAutoNone, `networks: '${networks}'`);
    return networks;
  }
  if (!Array.isArray(networks)) {
    throw new InvalidArgumentError(
      'createServer.networks',
      `got ${JSON.stringify(networks)}`,
      "allowed: an array, 'auto' or 'none'",
    );
  }
  return networks.map((n: ServerNetworkAttachment, i) => {
    if (!n.uuid && !n.port) {
      throw new InvalidArgumentError(
        `createServer.networks[${i}]`,
        'needs a network id (uuid) or a port id (port)',
      );
    }
    const wire: Json = {};
    if (n.uuid) wire['uuid'] = n.uuid;
    if (n.port) wire['port'] = n.port;
    if (n.fixedIp) wire['fixed_ip'] = n.fixedIp;
    if (n.tag) {
      requireMicroversion(mv, MV.deviceTags, 'network device tags');
      wire['tag'] = n.tag;
    }
    return wire;
  });
}

/** POST /servers body (Nova API reference "Create Server"; samples servers/server-create-req.json). */
export function buildCreateServerBody(options: CreateServerOptions, mv: Microversion): Json {
  const server: Json = {
    name: requireText(options.name, 'createServer.name'),
    imageRef: requireText(options.imageId, 'createServer.imageId'),
    flavorRef: requireText(options.flavorId, 'createServer.flavorId'),
    // Exactly one server per call: the caller registers cleanup for the id we return.
    min_count: 1,
    max_count: 1,
  };
  const networks = networksWire(options.networks, mv);
  if (networks !== undefined) server['networks'] = networks;
  if (options.keyName !== undefined)
    server['key_name'] = requireText(options.keyName, 'createServer.keyName');
  if (options.securityGroups?.length)
    server['security_groups'] = options.securityGroups.map((name) => ({ name }));
  if (options.userData !== undefined) {
    const encoded = Buffer.from(options.userData).toString('base64');
    if (encoded.length > MAX_USER_DATA_BASE64_BYTES) {
      throw new InvalidArgumentError(
        'createServer.userData',
        `is ${encoded.length} bytes after base64`,
        `allowed: at most ${MAX_USER_DATA_BASE64_BYTES} bytes after base64, about 48 KiB before`,
      );
    }
    server['user_data'] = encoded;
  }
  if (options.metadata)
    server['metadata'] = checkMetadata(options.metadata, 'createServer.metadata');
  if (options.availabilityZone) server['availability_zone'] = options.availabilityZone;
  if (options.tags?.length) {
    requireMicroversion(mv, MV.tagsAtCreate, 'server tags at create');
    server['tags'] = [...options.tags];
  }
  if (options.configDrive !== undefined) server['config_drive'] = options.configDrive;
  const hints = schedulerHintsWire(options.schedulerHints);
  return hints ? { server, 'os:scheduler_hints': hints } : { server };
}

function schedulerHintsWire(hints: ServerSchedulerHints | undefined): Json | undefined {
  if (!hints) return undefined;
  const wire: Json = {};
  for (const [key, value] of Object.entries(hints)) {
    if (value === undefined) continue;
    if (typeof value === 'string' ? value === '' : value.length === 0) {
      throw new InvalidArgumentError(`createServer.schedulerHints.${key}`, 'must not be empty');
    }
    wire[key] = typeof value === 'string' ? value : [...value];
  }
  return Object.keys(wire).length > 0 ? wire : undefined;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** GET /servers/detail query (Nova API reference "List Servers Detailed"). */
export function buildListServersQuery(
  filters: ListServersFilters,
  mv: Microversion,
): Record<string, QueryValue> {
  if (filters.name !== undefined && filters.exactName !== undefined) {
    throw new InvalidArgumentError(
      'listServers',
      'give name (a regular expression) or exactName, not both',
    );
  }
  if (filters.tags?.length || filters.tagsAny?.length)
    requireMicroversion(mv, MV.serverTagsApi, 'filtering servers by tag');
  return {
    // Nova matches `name` as a regular expression, so `web` also finds `web-2`.
    name: filters.exactName !== undefined ? `^${escapeRegExp(filters.exactName)}$` : filters.name,
    status: filters.status,
    tags: filters.tags?.length ? filters.tags.join(',') : undefined,
    'tags-any': filters.tagsAny?.length ? filters.tagsAny.join(',') : undefined,
    image: filters.imageId,
    flavor: filters.flavorId,
    'changes-since': filters.changesSince,
    limit: filters.pageSize,
  };
}

/** POST /servers/{id}/action `createImage` (Nova API reference "Create Image (createImage Action)"). */
export function buildCreateImageAction(options: CreateServerImageOptions): Json {
  const body: Json = { name: requireText(options.name, 'createImage.name') };
  if (options.metadata) body['metadata'] = checkMetadata(options.metadata, 'createImage.metadata');
  return { createImage: body };
}

export function buildConsoleOutputAction(options: ConsoleOutputOptions): Json {
  if (options.length !== undefined && (!Number.isInteger(options.length) || options.length < 1)) {
    throw new InvalidArgumentError(
      'consoleOutput.length',
      `${options.length} is not allowed`,
      'allowed: a positive integer',
    );
  }
  return { 'os-getConsoleOutput': options.length === undefined ? {} : { length: options.length } };
}

export function checkMetadataArgument(
  metadata: Readonly<Record<string, string>>,
  field: string,
): Record<string, string> {
  return checkMetadata(metadata, field);
}
