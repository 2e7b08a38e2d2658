import { Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { GoldenImageProperty, listLocalGoldenImages } from '@osa/golden-image';
import { ProviderConfig } from '../../config/provider.config';
import { InstancePool } from '../../pool/instance-pool';
import { PoolInstance } from '../../pool/pool-instance';
import { chooseLocalImage } from '../../providers/local/local-golden-image';

/** The golden image an instance was started from, as far as the controller knows it. */
export interface InstanceImage {
  /** null: not from a stored image (the original, or the local provider's un-baked built bundle). */
  readonly id: string | null;
  readonly bakedAt: string | null;
  readonly description: string;
}

/**
 * Remembers, for each clone the pool registers, the golden image that was current at that moment
 * (the providers resolve it per create, so a re-bake only affects later instances). Local
 * provider: the image store's choice and its bake time; OpenStack: the pinned `imageId` if any
 * (the name is re-resolved by Glance at create time and not reported back here).
 */
@Injectable()
export class InstanceImageTracker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly images = new Map<string, InstanceImage>();
  private readonly onRegistered = (instance: PoolInstance): void => {
    this.images.set(instance.id, instance.role === 'original' ? ORIGINAL : this.current());
  };
  private readonly onRemoved = (instance: PoolInstance): void => {
    this.images.delete(instance.id);
  };

  constructor(
    private readonly pool: InstancePool,
    private readonly provider: ProviderConfig,
  ) {}

  onApplicationBootstrap(): void {
    for (const instance of this.pool.list()) this.onRegistered(instance);
    this.pool.events.on('registered', this.onRegistered);
    this.pool.events.on('removed', this.onRemoved);
  }

  onModuleDestroy(): void {
    this.pool.events.off('registered', this.onRegistered);
    this.pool.events.off('removed', this.onRemoved);
  }

  of(instanceId: string): InstanceImage | null {
    return this.images.get(instanceId) ?? null;
  }

  private current(): InstanceImage {
    if (this.provider.kind === 'openstack') {
      const { image, imageId } = this.provider.openstack;
      return {
        id: imageId ?? null,
        bakedAt: null,
        description: imageId
          ? `pinned image ${imageId}`
          : `newest image named "${image}" at create time`,
      };
    }
    const local = this.provider.local;
    try {
      const choice = chooseLocalImage(local);
      if (!choice.imageId) return { id: null, bakedAt: null, description: choice.description };
      const stored = listLocalGoldenImages(local.imagesDir).find(
        (candidate) => candidate.id === choice.imageId,
      );
      const bakedAt = stored?.properties[GoldenImageProperty.bakedAt];
      return {
        id: choice.imageId,
        bakedAt: typeof bakedAt === 'string' ? bakedAt : null,
        description: choice.description,
      };
    } catch (error) {
      return { id: null, bakedAt: null, description: `unknown: ${(error as Error).message}` };
    }
  }
}

const ORIGINAL: InstanceImage = {
  id: null,
  bakedAt: null,
  description: 'the original instance (not created from the golden image by us)',
};
