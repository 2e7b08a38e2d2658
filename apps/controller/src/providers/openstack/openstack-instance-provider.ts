import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { goldenImageCandidateOf, selectGoldenImage } from '@osa/golden-image';
import {
  AddressSelectionError,
  ConflictError,
  extractAddress,
  Flavor,
  OpenStackClient,
  Server,
} from '@osa/openstack-client';
import {
  OpenStackProviderConfig,
  parseOriginalUrl,
  ProviderConfig,
} from '../../config/provider.config';
import {
  CreatedInstance,
  CreateInstanceRequest,
  GoldenImageChoice,
  InstanceProvider,
  InstanceSnapshot,
  InstanceStatus,
  METADATA_GROUP_KEY,
  METADATA_IMAGE_KEY,
  METADATA_REASON_KEY,
  OriginalInstance,
  StartInstanceRequest,
  StopInstanceRequest,
} from '../instance-provider';
import { GoldenImagePin } from '../golden-image-pin';
import { OPENSTACK_CLIENT } from './openstack-client.provider';
import { OpenStackPlacement } from './placement/openstack-placement.service';

/** The original backend could not be found or used. */
export class OriginalServerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OriginalServerError';
  }
}

/**
 * Nova servers from the golden image (seed sections 10-14). Every server it creates carries
 * `osa:group` / `osa:reason` metadata (server metadata works at every microversion), so the group
 * can be listed after a restart. The original `service-vm-1` is adopted, never created or deleted.
 */
@Injectable()
export class OpenStackInstanceProvider implements InstanceProvider {
  readonly kind = 'openstack' as const;
  private readonly logger = new Logger('OpenStackProvider');
  private flavor: Flavor | undefined;
  private networkId: string | undefined;

  constructor(
    private readonly config: OpenStackProviderConfig,
    private readonly providerConfig: ProviderConfig,
    @Inject(OPENSTACK_CLIENT) private readonly client: OpenStackClient,
    private readonly placement: OpenStackPlacement,
    @Optional() private readonly pin?: GoldenImagePin,
  ) {}

  get servicePort(): number {
    return this.config.servicePort;
  }

  async provisionOriginal(signal?: AbortSignal): Promise<OriginalInstance> {
    const name = this.providerConfig.originalName;
    const fromUrl = parseOriginalUrl(this.config.originalUrl);
    if (fromUrl) return { id: `url:${this.config.originalUrl}`, name, endpoint: fromUrl };
    const servers = await this.client.compute.servers.list({ exactName: name, signal }).toArray();
    if (servers.length === 0) {
      throw new OriginalServerError(
        `no server named "${name}" (provider.originalName) in this project; create it or set provider.openstack.originalUrl`,
      );
    }
    if (servers.length > 1) {
      throw new OriginalServerError(
        `${servers.length} servers are named "${name}" (${servers.map((server) => server.id).join(', ')}); rename all but one`,
      );
    }
    const [server] = servers;
    if (server.status !== 'ACTIVE')
      throw new OriginalServerError(
        `server "${name}" (${server.id}) is ${server.status}, not ACTIVE`,
      );
    const host = extractAddress(server, {
      networkName: this.config.network,
      ipVersion: this.config.ipVersion,
    });
    this.logger.log(
      `adopted ${name} (${server.id}) at ${host}:${this.config.servicePort} on network ${this.config.network}`,
    );
    return { id: server.id, name, endpoint: { host, port: this.config.servicePort } };
  }

  async create(request: CreateInstanceRequest): Promise<CreatedInstance> {
    const signal = request.signal;
    const [imageId, flavor, networkId] = await Promise.all([
      this.goldenImageId(signal, request.imageId ?? this.pin?.imageId),
      this.resolveFlavor(signal),
      this.resolveNetworkId(signal),
    ]);
    // Quota, server group and zone (placement/): may refuse before Nova is asked.
    const placement = await this.placement.beforeCreate(flavor, signal);
    const ref = await this.client.compute.servers
      .create({
        name: request.name,
        imageId,
        flavorId: flavor.id,
        availabilityZone: placement.availabilityZone,
        schedulerHints: placement.schedulerHints,
        networks: [{ uuid: networkId }],
        keyName: this.config.keyName,
        securityGroups: this.config.securityGroups,
        // The user's keys first: ours can never be overridden (config validation refuses `osa:` keys anyway).
        metadata: {
          ...this.config.metadata,
          ...request.metadata,
          [METADATA_GROUP_KEY]: this.providerConfig.group,
          [METADATA_REASON_KEY]: request.reason,
          [METADATA_IMAGE_KEY]: imageId,
        },
        signal,
      })
      .catch((error: unknown) => {
        this.placement.createFailed(error, placement);
        throw error;
      });
    this.placement.created(ref.id, placement);
    const where = `${placement.availabilityZone ? `, zone ${placement.availabilityZone}` : ''}${placement.schedulerHints ? `, server group ${this.config.serverGroup?.name}` : ''}`;
    this.logger.log(
      `Nova accepted ${request.name}: server ${ref.id} (image ${imageId}, flavor ${this.config.flavor}, network ${this.config.network}${where})`,
    );
    return { id: ref.id, name: request.name };
  }

  async describe(id: string, signal?: AbortSignal): Promise<InstanceSnapshot> {
    const server = await this.client.compute.servers.find(id, { signal });
    if (!server) {
      this.placement.deleted(id);
      return { id, name: '', status: 'DELETED', metadata: {} };
    }
    this.placement.observed(server);
    return this.snapshot(server);
  }

  async delete(id: string, signal?: AbortSignal): Promise<void> {
    if (id.startsWith('url:')) return; // an original given as a URL is not ours to delete
    const existed = await this.client.compute.servers.delete(id, { signal });
    this.placement.deleted(id);
    this.logger.log(existed ? `deleted server ${id}` : `server ${id} was already gone`);
  }

  async listGroup(signal?: AbortSignal): Promise<InstanceSnapshot[]> {
    const servers = await this.client.compute.servers
      .list({ metadata: { [METADATA_GROUP_KEY]: this.providerConfig.group }, signal })
      .toArray();
    return servers.map((server) => {
      this.placement.observed(server);
      return this.snapshot(server);
    });
  }

  async resolveGoldenImage(signal?: AbortSignal): Promise<GoldenImageChoice> {
    const id = await this.goldenImageId(signal);
    return {
      id,
      description: this.config.imageId
        ? `pinned image ${id} (provider.openstack.imageId)`
        : `newest image named "${this.config.image}": ${id}`,
    };
  }

  async updateMetadata(
    id: string,
    metadata: Readonly<Record<string, string>>,
    signal?: AbortSignal,
  ): Promise<void> {
    // POST /servers/{id}/metadata: adds or overwrites these keys, leaves the others (compute api-ref "Create or Update Metadata Items").
    await this.client.compute.servers.metadata.update(id, metadata, { signal });
  }

  async stop(id: string, request: StopInstanceRequest): Promise<void> {
    if (request.shelve) await this.client.compute.servers.shelve(id, { signal: request.signal });
    else await this.client.compute.servers.stop(id, { signal: request.signal });
  }

  /**
   * os-start (or unshelve) at once: one call on the scale-out's path. Nova's 409 means it is not
   * stopped (any more): then it is looked at, and one already ACTIVE or starting is fine (a restart
   * may find a start half done).
   */
  async start(id: string, request: StartInstanceRequest): Promise<void> {
    const { servers } = this.client.compute;
    try {
      if (request.shelved) await servers.unshelve(id, { signal: request.signal });
      else await servers.start(id, { signal: request.signal });
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      const server = await servers.get(id, { signal: request.signal });
      // ACTIVE while powering off is a stop in progress, not a started server.
      if (
        (server.status === 'ACTIVE' && server.taskState !== 'powering-off') ||
        server.taskState === 'powering-on' ||
        server.taskState === 'unshelving' ||
        server.taskState === 'spawning'
      )
        return;
      if (server.status === 'SHELVED' || server.status === 'SHELVED_OFFLOADED')
        await servers.unshelve(id, { signal: request.signal });
      else throw error;
    }
  }

  /** What a create would use now, a refresh pin included (a warm server from another image is stale). */
  currentImageId(signal?: AbortSignal): Promise<string> {
    return this.goldenImageId(signal, this.pin?.imageId);
  }

  /** The pinned id, or the newest active image of the configured name (re-resolved per create, so a re-bake takes effect). */
  private async goldenImageId(signal: AbortSignal | undefined, override?: string): Promise<string> {
    const pinnedId = override ?? this.config.imageId;
    const token = await this.client.identity.token({ signal });
    const images = pinnedId
      ? [await this.client.image.images.get(pinnedId, { signal })]
      : await this.client.image.images.list({ name: this.config.image, signal }).toArray();
    const chosen = selectGoldenImage(images.map(goldenImageCandidateOf), {
      name: this.config.image,
      pinnedId,
      ownerProjectId: pinnedId ? undefined : token.projectId,
    });
    return chosen.id;
  }

  /** The flavor (its id, and its size for the quota check), found once. */
  private async resolveFlavor(signal: AbortSignal | undefined): Promise<Flavor> {
    this.flavor ??= await this.client.compute.flavors.find(this.config.flavor, { signal });
    return this.flavor;
  }

  private async resolveNetworkId(signal: AbortSignal | undefined): Promise<string> {
    this.networkId ??= (
      await this.client.network.networks.find(this.config.network, { signal })
    ).id;
    return this.networkId;
  }

  private snapshot(server: Server): InstanceSnapshot {
    const status = toInstanceStatus(server.status);
    let address: string | undefined;
    let addressProblem: string | undefined;
    if (status === 'ACTIVE') {
      try {
        address = extractAddress(server, {
          networkName: this.config.network,
          ipVersion: this.config.ipVersion,
        });
      } catch (error) {
        if (!(error instanceof AddressSelectionError)) throw error;
        addressProblem = error.message;
      }
    }
    const fault = server.fault
      ? `${server.fault.message}${server.fault.code ? ` (code ${server.fault.code})` : ''}`
      : undefined;
    return {
      id: server.id,
      name: server.name,
      status,
      fault:
        status === 'SHUTOFF' && server.status !== 'SHUTOFF' ? `status ${server.status}` : fault,
      address,
      addressProblem,
      metadata: server.metadata,
      imageId: server.imageId,
      createdAt: server.created,
      detailedStatus: server.rawStatus,
      launchedAt: server.launchedAt,
    };
  }
}

/** Nova has more statuses than a scale-out cares about; anything not BUILD/ACTIVE/ERROR/DELETED means "not serving". */
function toInstanceStatus(status: Server['status']): InstanceStatus {
  switch (status) {
    case 'BUILD':
    case 'ACTIVE':
    case 'ERROR':
    case 'DELETED':
      return status;
    case 'SOFT_DELETED':
      return 'DELETED';
    default:
      return 'SHUTOFF';
  }
}
