import { ProviderKind } from '../config/provider.config';

/**
 * The seam between the control plane and wherever instances come from (docs/architecture.md,
 * "Seam: control plane <-> cloud"). Scaling code only ever sees this interface.
 */

/** Nova's server statuses that matter to us; DELETED also stands for "no longer exists". */
export type InstanceStatus = 'BUILD' | 'ACTIVE' | 'ERROR' | 'SHUTOFF' | 'DELETED';

/** Why an instance exists; written into its metadata (`osa:reason`). */
export type InstanceCreationReason = 'scale-out' | 'replacement' | 'warm-pool';

/** Metadata keys marking what this controller owns (Nova server metadata works at every microversion). */
export const METADATA_GROUP_KEY = 'osa:group';
export const METADATA_REASON_KEY = 'osa:reason';
/** The golden image a server was created from (instance refresh tells old from new by it). */
export const METADATA_IMAGE_KEY = 'osa:image';
/**
 * A warm-pool server's place in the pool (scaling/warm-pool/warm-state.ts): written before each
 * step, so a restarted controller knows what was in progress (the cloud is the source of truth).
 */
export const METADATA_STATE_KEY = 'osa:state';

export interface CreateInstanceRequest {
  readonly name: string;
  readonly reason: InstanceCreationReason;
  readonly signal?: AbortSignal;
  /** This image rather than the golden image (instance refresh: the canary and its batches). */
  readonly imageId?: string;
  /** Extra `osa:` metadata (instance refresh's checkpoint, a warm-pool server's `osa:state`), written with the group's keys. */
  readonly metadata?: Readonly<Record<string, string>>;
}

export interface StartInstanceRequest {
  /** It was shelved (unshelve), not stopped (os-start): the caller knows, which saves a status call. */
  readonly shelved: boolean;
  readonly signal?: AbortSignal;
}

export interface StopInstanceRequest {
  /** Shelve (frees the hypervisor; unshelving takes longer) instead of a plain stop. */
  readonly shelve: boolean;
  readonly signal?: AbortSignal;
}

/** The image a create would use now (undefined id: the local provider's un-baked built bundle). */
export interface GoldenImageChoice {
  readonly id: string | undefined;
  readonly description: string;
}

/** Returned as soon as the provider knows the id, so the caller can register cleanup at once. */
export interface CreatedInstance {
  readonly id: string;
  readonly name: string;
}

export interface InstanceSnapshot {
  readonly id: string;
  readonly name: string;
  readonly status: InstanceStatus;
  /** Why it is in ERROR (Nova's fault message, or the local process's exit). */
  readonly fault?: string;
  /** The service's IP literal on the configured network, once there is one. */
  readonly address?: string;
  /** Why there is no address yet (what the server has instead), for the addressing timeout message. */
  readonly addressProblem?: string;
  readonly metadata: Readonly<Record<string, string>>;
  /** The image it was created from (a warm server from an older golden image is replaced). */
  readonly imageId?: string;
  /** When it was created (ISO 8601): stale warm servers are replaced oldest first. */
  readonly createdAt?: string;
  /** The provider's own status word when it says more than `status` (SHELVED_OFFLOADED is SHUTOFF here). */
  readonly detailedStatus?: string;
  /** When it became ACTIVE the first time (Nova's `OS-SRV-USG:launched_at`, ISO 8601): the cloud's own boot time. */
  readonly launchedAt?: string;
}

/** Where a service instance listens. */
export interface ServiceEndpoint {
  readonly host: string;
  readonly port: number;
}

/** The seed's `service-vm-1`: started by the local provider, adopted (never created or deleted) on OpenStack. */
export interface OriginalInstance {
  readonly id: string;
  readonly name: string;
  readonly endpoint: ServiceEndpoint;
}

export interface InstanceProvider {
  readonly kind: ProviderKind;
  /** Port the service listens on in every instance of this provider. */
  readonly servicePort: number;
  /** Start (local) or find (openstack) the original backend. Throws when it cannot. */
  provisionOriginal(signal?: AbortSignal): Promise<OriginalInstance>;
  /** Create one instance from the golden image; resolves as soon as its id is known. */
  create(request: CreateInstanceRequest): Promise<CreatedInstance>;
  /** Current status, fault and address; status DELETED when it no longer exists (never throws for "not found"). */
  describe(id: string, signal?: AbortSignal): Promise<InstanceSnapshot>;
  /** Delete an instance this controller created; "already gone" is success. */
  delete(id: string, signal?: AbortSignal): Promise<void>;
  /** Every instance carrying this controller's group metadata (restart recovery, orphan checks). */
  listGroup(signal?: AbortSignal): Promise<InstanceSnapshot[]>;
  /** The configured golden image as it resolves now, ignoring any refresh pin (instance refresh notices a bake by it). */
  resolveGoldenImage(signal?: AbortSignal): Promise<GoldenImageChoice>;
  /** Sets (adds or overwrites) metadata keys on an instance of the group (instance refresh's checkpoints, a warm server's `osa:state`). */
  updateMetadata(
    id: string,
    metadata: Readonly<Record<string, string>>,
    signal?: AbortSignal,
  ): Promise<void>;
  /** Power an ACTIVE instance off (warm pool): os-stop, or shelve. Resolves once asked; `describe` shows SHUTOFF when done. */
  stop(id: string, request: StopInstanceRequest): Promise<void>;
  /** Power a stopped or shelved instance on (os-start, or unshelve when `shelved`); nothing when it is already ACTIVE or starting. */
  start(id: string, request: StartInstanceRequest): Promise<void>;
  /** The golden image a create would use now (warm servers from another one are stale). */
  currentImageId(signal?: AbortSignal): Promise<string>;
}

export const INSTANCE_PROVIDER = Symbol('INSTANCE_PROVIDER');
