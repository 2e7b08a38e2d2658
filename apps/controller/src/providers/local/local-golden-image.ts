import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  GoldenImageNotFoundError,
  GoldenImageProperty,
  listLocalGoldenImages,
  LocalGoldenImage,
  selectGoldenImage,
  sha256OfFile,
} from '@osa/golden-image';
import { LocalProviderConfig } from '../../config/provider.config';

/** What a local instance is started from. */
export interface LocalImageChoice {
  /** The file the instance's process runs. */
  readonly bundlePath: string;
  /** The store image it came from; undefined when running the un-baked built bundle. */
  readonly imageId?: string;
  /** One line for logs: which image, and why this one. */
  readonly description: string;
}

/** Why no instance can be started (missing pinned image, unreadable store, nothing built). */
export class LocalImageError extends Error {
  override readonly name = 'LocalImageError';
}

/**
 * The local provider's "Glance lookup", made per instance so a re-bake takes effect at the next
 * scale-out without a restart (as on OpenStack):
 *   1. `imageId` pins one image of the store; it must exist.
 *   2. Otherwise the newest image named `image` in `imagesDir` (selectGoldenImage: the same rule
 *      bake-image checks after writing).
 *   3. Otherwise (nothing baked yet) the built bundle at `bundlePath`, said so in the log line.
 */
export function chooseLocalImage(config: LocalProviderConfig): LocalImageChoice {
  let images: LocalGoldenImage[];
  try {
    images = listLocalGoldenImages(config.imagesDir);
  } catch (error) {
    throw new LocalImageError(
      `the local image store ${config.imagesDir} (provider.local.imagesDir) cannot be read: ${(error as Error).message}`,
    );
  }
  const named = images.some((image) => image.name === config.image);
  if (config.imageId === undefined && !named) return builtBundle(config, images.length);

  let chosen: LocalGoldenImage;
  try {
    chosen = selectGoldenImage(images, { name: config.image, pinnedId: config.imageId });
  } catch (error) {
    if (!(error instanceof GoldenImageNotFoundError)) throw error;
    const field = config.imageId !== undefined ? 'provider.local.imageId' : 'provider.local.image';
    throw new LocalImageError(`${error.message} (${field}; local image store ${config.imagesDir})`);
  }
  if (!fs.existsSync(chosen.bundlePath)) {
    throw new LocalImageError(
      `golden image ${chosen.id} in ${config.imagesDir} has no ${path.basename(chosen.bundlePath)}: the folder was changed by hand; bake again`,
    );
  }
  const bakedAt = chosen.properties[GoldenImageProperty.bakedAt];
  const version = chosen.properties[GoldenImageProperty.serviceVersion];
  return {
    bundlePath: chosen.bundlePath,
    imageId: chosen.id,
    description: `golden image ${chosen.id} ("${chosen.name}", service ${String(version)}, baked ${String(bakedAt)})`,
  };
}

function builtBundle(config: LocalProviderConfig, otherImages: number): LocalImageChoice {
  if (!fs.existsSync(config.bundlePath)) {
    throw new LocalImageError(
      `no golden image named "${config.image}" in ${config.imagesDir} (provider.local.imagesDir) and no built bundle at ${config.bundlePath} (provider.local.bundlePath): ` +
        'bake one with `npx nx run tools:bake-image -- --provider=local`, or build the service with `npx nx build service`',
    );
  }
  const others = otherImages > 0 ? ` (${otherImages} image(s) of other names there)` : '';
  return {
    bundlePath: config.bundlePath,
    description: `the built bundle ${config.bundlePath}: no golden image named "${config.image}" in ${config.imagesDir} yet${others}`,
  };
}

/**
 * A note when the chosen golden image is not what `nx build service` last produced: after editing
 * the service, instances keep running the baked image until the next bake (as VMs would).
 */
export function staleImageNote(
  choice: LocalImageChoice,
  config: LocalProviderConfig,
): string | undefined {
  if (choice.imageId === undefined || !fs.existsSync(config.bundlePath)) return undefined;
  const built = sha256OfFile(config.bundlePath);
  if (built === sha256OfFile(choice.bundlePath)) return undefined;
  return `the built bundle ${config.bundlePath} (sha256 ${built.slice(0, 12)}...) differs from golden image ${choice.imageId}: instances run the baked image; re-bake with \`npx nx run tools:bake-image -- --provider=local\` to serve the new build`;
}
