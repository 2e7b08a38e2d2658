import type { Secret } from '../../common/secret';

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
