import type { ImageVisibility } from './results';

export interface ListImagesFilters {
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

export interface CreateImageOptions {
  name: string;
  diskFormat: 'ami' | 'ari' | 'aki' | 'vhd' | 'vhdx' | 'vmdk' | 'raw' | 'qcow2' | 'vdi' | 'ploop' | 'iso';
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

export interface UploadImageOptions {
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
