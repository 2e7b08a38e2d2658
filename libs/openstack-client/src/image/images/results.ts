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
