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

export interface CreateServerOptions {
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
  availabilityZone?: string;
  /** Tags at create need microversion 2.52 (MicroversionNotSupportedError below that). */
  tags?: readonly string[];
  configDrive?: boolean;
}

/** GET /servers/detail filters (API reference "List Servers Detailed"). */
export interface ListServersFilters {
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

export interface DeleteOptions {
  /** Treat 404 (already gone) as success. Default true. */
  ignoreMissing?: boolean;
}

export interface CreateServerImageOptions {
  name: string;
  metadata?: Readonly<Record<string, string>>;
}

export interface ConsoleOutputOptions {
  /** Last N lines only. */
  length?: number;
}
