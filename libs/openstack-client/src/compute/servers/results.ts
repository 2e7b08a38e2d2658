import { Secret } from '../../common/secret';
import type { WireReader } from '../../common/wire';
import { Microversion } from '../microversion';

/** Nova server statuses (API reference "Server Status" / `status`); anything else reads as UNKNOWN. */
export type ServerStatus =
  | 'ACTIVE'
  | 'BUILD'
  | 'DELETED'
  | 'ERROR'
  | 'HARD_REBOOT'
  | 'MIGRATING'
  | 'PASSWORD'
  | 'PAUSED'
  | 'REBOOT'
  | 'REBUILD'
  | 'RESCUE'
  | 'RESIZE'
  | 'REVERT_RESIZE'
  | 'SHELVED'
  | 'SHELVED_OFFLOADED'
  | 'SHUTOFF'
  | 'SOFT_DELETED'
  | 'SUSPENDED'
  | 'UNKNOWN'
  | 'VERIFY_RESIZE';

export interface ServerAddress {
  address: string;
  /** `version`: 4 or 6. */
  version: 4 | 6;
  /** `OS-EXT-IPS:type`: fixed (on the port) or floating (NAT). Undefined if the cloud omits it. */
  type?: 'fixed' | 'floating';
  /** `OS-EXT-IPS-MAC:mac_addr`. */
  macAddress?: string;
}

export interface ServerFault {
  code?: number;
  message: string;
  /** Only shown to admins (or for non-500 faults). */
  details?: string;
  created?: string;
}

export interface ServerFlavorInfo {
  /** Flavor id: only before microversion 2.47 (from 2.47 the flavor is embedded, without id). */
  id?: string;
  /** From 2.47: the flavor's name at boot (`original_name`). */
  originalName?: string;
  /** From 2.47. */
  vcpus?: number;
  /** From 2.47. */
  ramMb?: number;
  /** From 2.47. */
  diskGb?: number;
}

/** A server as GET /servers/{id} (or /servers/detail) describes it. */
export interface Server {
  id: string;
  name: string;
  status: ServerStatus;
  /** The raw `status` string, in case it was not a known ServerStatus. */
  rawStatus: string;
  /** `OS-EXT-STS:vm_state`, e.g. active, building, error, stopped. */
  vmState?: string;
  /** `OS-EXT-STS:task_state`, e.g. spawning, image_snapshot; null -> undefined. */
  taskState?: string;
  /** `OS-EXT-STS:power_state` (0 NOSTATE, 1 RUNNING, 3 PAUSED, 4 SHUTDOWN, 6 CRASHED, 7 SUSPENDED). */
  powerState?: number;
  /** Addresses by network name, in the order Nova lists them. */
  addresses: Record<string, ServerAddress[]>;
  /** Image id, or undefined for a server booted from volume (Nova sends `""`). */
  imageId?: string;
  flavor: ServerFlavorInfo;
  keyName?: string;
  metadata: Record<string, string>;
  /** Server tags: in the body from microversion 2.26. Undefined before. */
  tags?: string[];
  /** Present when status is ERROR (and sometimes after). */
  fault?: ServerFault;
  /** `OS-EXT-AZ:availability_zone`. */
  availabilityZone?: string;
  /** Security group names (`security_groups[].name`). */
  securityGroups: string[];
  /** `progress` (0-100) while building/snapshotting, when Nova reports it. */
  progress?: number;
  hostId?: string;
  userId?: string;
  projectId?: string;
  created?: string;
  updated?: string;
  /**
   * `OS-SRV-USG:launched_at`: when the server first became ACTIVE (UTC, Nova writes it without a
   * zone, e.g. `2019-02-28T03:16:19.600768`); null -> undefined while it builds. With `created`
   * it gives the cloud's own BUILD -> ACTIVE time.
   */
  launchedAt?: string;
  accessIPv4?: string;
  accessIPv6?: string;
  /** `locked` from 2.9. */
  locked?: boolean;
}

/** What POST /servers returns: the id, and the admin password if Nova generated one. */
export interface ServerRef {
  id: string;
  adminPass?: Secret;
}

export interface ConsoleOutput {
  output: string;
}

// ---------------------------------------------------------------------------------------------
// Wire -> typed values. The only place that knows keys such as `OS-EXT-STS:vm_state`.
// ---------------------------------------------------------------------------------------------

const KNOWN_STATUSES: ReadonlySet<string> = new Set<ServerStatus>([
  'ACTIVE',
  'BUILD',
  'DELETED',
  'ERROR',
  'HARD_REBOOT',
  'MIGRATING',
  'PASSWORD',
  'PAUSED',
  'REBOOT',
  'REBUILD',
  'RESCUE',
  'RESIZE',
  'REVERT_RESIZE',
  'SHELVED',
  'SHELVED_OFFLOADED',
  'SHUTOFF',
  'SOFT_DELETED',
  'SUSPENDED',
  'UNKNOWN',
  'VERIFY_RESIZE',
]);

type Obj = Record<string, unknown>;

function parseAddresses(
  wire: WireReader,
  server: Obj,
  path: string,
): Record<string, ServerAddress[]> {
  const raw = wire.optionalObject(server, 'addresses', path) ?? {};
  const out: Record<string, ServerAddress[]> = {};
  for (const [network, list] of Object.entries(raw)) {
    const listPath = `${path}.addresses.${network}`;
    if (!Array.isArray(list)) wire.fail(`${listPath} should be an array`);
    out[network] = (list as unknown[]).map((entry, i) => {
      const p = `${listPath}[${i}]`;
      const a = wire.record(entry, p);
      const version = wire.number(a, 'version', p);
      if (version !== 4 && version !== 6)
        wire.fail(`${p}.version should be 4 or 6, got ${version}`);
      const type = wire.optionalString(a, 'OS-EXT-IPS:type', p);
      if (type !== undefined && type !== 'fixed' && type !== 'floating') {
        wire.fail(`${p}.OS-EXT-IPS:type should be fixed or floating, got "${type}"`);
      }
      return {
        address: wire.string(a, 'addr', p),
        version,
        type,
        macAddress: wire.optionalString(a, 'OS-EXT-IPS-MAC:mac_addr', p),
      };
    });
  }
  return out;
}

/**
 * `flavor`: before 2.47 `{id, links}`; from 2.47 the flavor's values at boot
 * (`original_name`, `vcpus`, `ram`, `disk`, ...) without an id (API reference "Show Server Details").
 */
function parseFlavor(wire: WireReader, server: Obj, path: string): ServerFlavorInfo {
  const flavor = wire.optionalObject(server, 'flavor', path);
  if (!flavor) return {};
  const p = `${path}.flavor`;
  return {
    id: wire.optionalString(flavor, 'id', p),
    originalName: wire.optionalString(flavor, 'original_name', p),
    vcpus: wire.optionalNumber(flavor, 'vcpus', p),
    ramMb: wire.optionalNumber(flavor, 'ram', p),
    diskGb: wire.optionalNumber(flavor, 'disk', p),
  };
}

/** `image` is `{id, links}`, or `""` for a server booted from a volume. */
function parseImageId(wire: WireReader, server: Obj, path: string): string | undefined {
  const image = server['image'];
  if (image === '' || image === undefined || image === null) return undefined;
  return wire.string(wire.record(image, `${path}.image`), 'id', `${path}.image`);
}

export function parseServer(wire: WireReader, server: Obj, path = 'server'): Server {
  const rawStatus = wire.string(server, 'status', path);
  const faultObj = wire.optionalObject(server, 'fault', path);
  const securityGroups = (wire.optionalArray(server, 'security_groups', path) ?? []).map((g, i) =>
    wire.string(
      wire.record(g, `${path}.security_groups[${i}]`),
      'name',
      `${path}.security_groups[${i}]`,
    ),
  );
  return {
    id: wire.string(server, 'id', path),
    name: wire.string(server, 'name', path),
    status: KNOWN_STATUSES.has(rawStatus) ? (rawStatus as ServerStatus) : 'UNKNOWN',
    rawStatus,
    vmState: wire.optionalString(server, 'OS-EXT-STS:vm_state', path),
    taskState: wire.optionalString(server, 'OS-EXT-STS:task_state', path),
    powerState: wire.optionalNumber(server, 'OS-EXT-STS:power_state', path),
    addresses: parseAddresses(wire, server, path),
    imageId: parseImageId(wire, server, path),
    flavor: parseFlavor(wire, server, path),
    keyName: wire.optionalString(server, 'key_name', path),
    metadata: server['metadata'] === undefined ? {} : wire.stringRecord(server, 'metadata', path),
    tags: server['tags'] === undefined ? undefined : wire.stringArray(server, 'tags', path),
    fault: faultObj
      ? {
          code: wire.optionalNumber(faultObj, 'code', `${path}.fault`),
          message: wire.optionalString(faultObj, 'message', `${path}.fault`) ?? '',
          details: wire.optionalString(faultObj, 'details', `${path}.fault`),
          created: wire.optionalString(faultObj, 'created', `${path}.fault`),
        }
      : undefined,
    availabilityZone: wire.optionalString(server, 'OS-EXT-AZ:availability_zone', path, true),
    securityGroups,
    progress: wire.optionalNumber(server, 'progress', path),
    hostId: wire.optionalString(server, 'hostId', path, true),
    userId: wire.optionalString(server, 'user_id', path),
    projectId: wire.optionalString(server, 'tenant_id', path),
    created: wire.optionalString(server, 'created', path),
    updated: wire.optionalString(server, 'updated', path),
    launchedAt: wire.optionalString(server, 'OS-SRV-USG:launched_at', path, true),
    accessIPv4: wire.optionalString(server, 'accessIPv4', path, true),
    accessIPv6: wire.optionalString(server, 'accessIPv6', path, true),
    locked: wire.optionalBoolean(server, 'locked', path),
  };
}

/** GET /servers/{id}: `{"server": {...}}`. */
export function parseServerResponse(wire: WireReader, root: Obj): Server {
  return parseServer(wire, wire.object(root, 'server', 'body'));
}

/** GET /servers/detail: `{"servers": [...], "servers_links": [{"rel": "next", "href": ...}]}`. */
export function parseServerPage(
  wire: WireReader,
  root: Obj,
): { items: Server[]; next: string | undefined } {
  const items = wire
    .array(root, 'servers', 'body')
    .map((s, i) => parseServer(wire, wire.record(s, `servers[${i}]`), `servers[${i}]`));
  return { items, next: wire.nextLink(root, 'servers_links', 'body') };
}

/** One entry of GET /servers/{id}/os-instance-actions (Nova's record of a create, stop, start, ...). */
export interface ServerAction {
  /** `create`, `stop`, `start`, `shelve`, `unshelve`, `reboot`, `delete`, ... */
  action: string;
  requestId: string;
  /** When Nova received the request (UTC, Nova writes it without a zone). */
  startTime: string;
  /** From 2.58: the last change, i.e. when its last event finished (the action's end, once done). */
  updatedAt?: string;
  message?: string;
}

/** GET /servers/{id}/os-instance-actions: `{"instanceActions": [...]}`, newest first. */
export function parseServerActions(wire: WireReader, root: Obj): ServerAction[] {
  return wire.array(root, 'instanceActions', 'body').map((item, i) => {
    const path = `instanceActions[${i}]`;
    const entry = wire.record(item, path);
    return {
      action: wire.string(entry, 'action', path),
      requestId: wire.string(entry, 'request_id', path),
      startTime: wire.string(entry, 'start_time', path),
      updatedAt: wire.optionalString(entry, 'updated_at', path),
      message: wire.optionalString(entry, 'message', path),
    };
  });
}

/** POST /servers: `{"server": {"id", "adminPass"?, ...}}` (adminPass only if Nova generated one). */
export function parseServerRef(wire: WireReader, root: Obj): ServerRef {
  const server = wire.object(root, 'server', 'body');
  const adminPass = wire.optionalString(server, 'adminPass', 'server');
  return {
    id: wire.string(server, 'id', 'server'),
    adminPass: adminPass ? new Secret(adminPass) : undefined,
  };
}

/** The microversion Nova says it used (`OpenStack-API-Version: compute 2.45`, or the legacy header). */
export function echoedMicroversion(
  headers: Record<string, string | string[] | undefined>,
): Microversion | undefined {
  const first = (v: string | string[] | undefined): string | undefined =>
    Array.isArray(v) ? v[0] : v;
  const modern = first(headers['openstack-api-version']);
  const match = modern ? /compute\s+(\d+\.\d+)/i.exec(modern) : null;
  const text = match?.[1] ?? first(headers['x-openstack-nova-api-version']);
  if (!text || !/^\d+\.\d+$/.test(text.trim())) return undefined;
  return Microversion.parse(text);
}

/**
 * createImage's new image id: from 2.45 in the body (`{"image_id": ...}`); before, only in the
 * `Location` header (`http://glance/images/<id>`). We branch on the version Nova echoed.
 */
export function parseCreateImageResult(
  wire: WireReader,
  echoed: Microversion,
  body: Buffer,
  location: string | undefined,
): { imageId: string } {
  if (echoed.atLeast('2.45')) {
    const root = wire.record(wire.json(body), 'body');
    return { imageId: wire.string(root, 'image_id', 'body') };
  }
  if (!location)
    return wire.fail(
      `no Location header in the createImage answer (microversion ${echoed} < 2.45)`,
    );
  const imageId = location.replace(/\/+$/, '').split('/').pop();
  if (!imageId) return wire.fail(`cannot read an image id from Location "${location}"`);
  return { imageId };
}
