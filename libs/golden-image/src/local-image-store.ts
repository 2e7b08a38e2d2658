/**
 * The local provider's "Glance": a directory of golden images, one folder per image holding the
 * service bundle and a manifest with the same properties a cloud image carries.
 *
 *   <root>/<image-id>/manifest.json   { formatVersion, id, name, status, createdAt, properties }
 *   <root>/<image-id>/main.js         the service bundle the image "boots"
 *
 * A folder is written under a temporary name and renamed into place, so a reader never sees a
 * half-made image (the local twin of "an image that did not reach active is deleted").
 */
import { createHash, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  GoldenImageCandidate,
  GoldenImageProvenance,
  provenanceToProperties,
} from './golden-image';

export const LOCAL_IMAGE_MANIFEST = 'manifest.json';
export const LOCAL_IMAGE_BUNDLE = 'main.js';

export interface LocalGoldenImage extends GoldenImageCandidate {
  /** Absolute path of the bundle to run for an instance of this image. */
  bundlePath: string;
}

interface ManifestV1 {
  formatVersion: 1;
  id: string;
  name: string;
  status: 'active';
  createdAt: string;
  properties: Record<string, string>;
}

export class LocalImageStoreError extends Error {
  override readonly name = 'LocalImageStoreError';
}

export function sha256OfFile(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** Copies `bundlePath` into a new image folder under `rootDir`; returns the new image. */
export function writeLocalGoldenImage(
  rootDir: string,
  input: { name: string; bundlePath: string; serviceVersion: string; now?: Date },
): LocalGoldenImage {
  if (!fs.existsSync(input.bundlePath)) {
    throw new LocalImageStoreError(
      `service bundle ${input.bundlePath} does not exist; build it first with \`nx build service\``,
    );
  }
  const id = randomUUID();
  const createdAt = (input.now ?? new Date()).toISOString();
  const provenance: GoldenImageProvenance = {
    serviceVersion: input.serviceVersion,
    bundleSha256: sha256OfFile(input.bundlePath),
    sourceServerId: 'local',
    bakedAt: createdAt,
  };
  const manifest: ManifestV1 = {
    formatVersion: 1,
    id,
    name: input.name,
    status: 'active',
    createdAt,
    properties: provenanceToProperties(provenance),
  };
  fs.mkdirSync(rootDir, { recursive: true });
  const staging = path.join(rootDir, `.partial-${id}`);
  fs.mkdirSync(staging);
  try {
    fs.copyFileSync(input.bundlePath, path.join(staging, LOCAL_IMAGE_BUNDLE));
    fs.writeFileSync(path.join(staging, LOCAL_IMAGE_MANIFEST), JSON.stringify(manifest, null, 2));
    fs.renameSync(staging, path.join(rootDir, id));
  } catch (err) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw err;
  }
  return toImage(rootDir, manifest);
}

/** Every complete image under `rootDir` (an absent directory holds none). */
export function listLocalGoldenImages(rootDir: string): LocalGoldenImage[] {
  if (!fs.existsSync(rootDir)) return [];
  const images: LocalGoldenImage[] = [];
  for (const entry of fs.readdirSync(rootDir, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const manifestPath = path.join(rootDir, entry.name, LOCAL_IMAGE_MANIFEST);
    if (!fs.existsSync(manifestPath)) continue;
    images.push(toImage(rootDir, readManifest(manifestPath)));
  }
  return images;
}

export function deleteLocalGoldenImage(rootDir: string, id: string): void {
  fs.rmSync(path.join(rootDir, id), { recursive: true, force: true });
}

function readManifest(file: string): ManifestV1 {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new LocalImageStoreError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  const m = parsed as Partial<ManifestV1>;
  if (m.formatVersion !== 1 || typeof m.id !== 'string' || typeof m.name !== 'string') {
    throw new LocalImageStoreError(
      `${file}: not a golden image manifest (expected formatVersion 1 with string id and name)`,
    );
  }
  return m as ManifestV1;
}

function toImage(rootDir: string, m: ManifestV1): LocalGoldenImage {
  return {
    id: m.id,
    name: m.name,
    status: m.status,
    createdAt: m.createdAt,
    properties: m.properties,
    bundlePath: path.join(rootDir, m.id, LOCAL_IMAGE_BUNDLE),
  };
}
