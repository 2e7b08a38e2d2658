/**
 * What a golden image is, in one place: the properties a bake records on it and the rule that
 * picks "the" golden image when a cloud (or the local image store) holds several.
 *
 * Shared by tools/bake-image (writes) and the controller (reads), so both sides agree by
 * construction. Pure functions only: no I/O, no cloud client.
 */

/**
 * Image properties a bake records. Glance accepts free-form string properties; Nova's
 * createImage copies its `metadata` into them. Underscored keys stay valid everywhere
 * (Glance property keys are limited to 255 characters, values are strings).
 */
export const GoldenImageProperty = {
  role: 'osa_role',
  serviceVersion: 'osa_service_version',
  bundleSha256: 'osa_bundle_sha256',
  sourceServerId: 'osa_source_server_id',
  bakedAt: 'osa_baked_at',
} as const;

/** Value of `osa_role` on every image a bake produced. */
export const GOLDEN_IMAGE_ROLE = 'golden-image';

/** What is inside a golden image and where it came from. */
export interface GoldenImageProvenance {
  serviceVersion: string;
  bundleSha256: string;
  /** Nova server id the snapshot was taken from (`local` for the local provider). */
  sourceServerId: string;
  /** ISO-8601 UTC time the bake finished the snapshot. */
  bakedAt: string;
}

export function provenanceToProperties(p: GoldenImageProvenance): Record<string, string> {
  return {
    [GoldenImageProperty.role]: GOLDEN_IMAGE_ROLE,
    [GoldenImageProperty.serviceVersion]: p.serviceVersion,
    [GoldenImageProperty.bundleSha256]: p.bundleSha256,
    [GoldenImageProperty.sourceServerId]: p.sourceServerId,
    [GoldenImageProperty.bakedAt]: p.bakedAt,
  };
}

/** The provenance recorded on an image, or undefined when it was not made by a bake. */
export function provenanceFromProperties(
  properties: Readonly<Record<string, unknown>>,
): GoldenImageProvenance | undefined {
  if (properties[GoldenImageProperty.role] !== GOLDEN_IMAGE_ROLE) return undefined;
  const read = (key: string): string =>
    typeof properties[key] === 'string' ? (properties[key] as string) : '';
  return {
    serviceVersion: read(GoldenImageProperty.serviceVersion),
    bundleSha256: read(GoldenImageProperty.bundleSha256),
    sourceServerId: read(GoldenImageProperty.sourceServerId),
    bakedAt: read(GoldenImageProperty.bakedAt),
  };
}

/** The fields of an image (Glance or local) that the selection rule looks at. */
export interface GoldenImageCandidate {
  id: string;
  name: string;
  /** Glance status: only `active` images can be booted. */
  status: string;
  /** ISO-8601 creation time (Glance `created_at`). */
  createdAt: string;
  /** Owning project id (Glance `owner`); undefined for local images. */
  owner?: string;
  properties: Readonly<Record<string, unknown>>;
}

/**
 * The candidate view of an image as an OpenStack client returns it (structural, so this lib
 * needs no cloud client): a missing name or creation time reads as empty.
 */
export function goldenImageCandidateOf(image: {
  id: string;
  name?: string;
  status: string;
  createdAt?: string;
  owner?: string;
  properties: Readonly<Record<string, unknown>>;
}): GoldenImageCandidate {
  return {
    id: image.id,
    name: image.name ?? '',
    status: image.status,
    createdAt: image.createdAt ?? '',
    owner: image.owner,
    properties: image.properties,
  };
}

export interface GoldenImageSelector {
  /** Image name to look for (the seed's `service-golden`). */
  name: string;
  /** A pinned image id wins over the name rule; it must exist and be active. */
  pinnedId?: string;
  /** Only images owned by this project count (public images of others with the same name are ignored). */
  ownerProjectId?: string;
}

export class GoldenImageNotFoundError extends Error {
  override readonly name = 'GoldenImageNotFoundError';
}

/**
 * The rule (documented in the README): a pinned id if given; otherwise, among images with exactly
 * this name, status `active` and (when known) owned by our project, the newest by bake time
 * (`osa_baked_at`), falling back to `created_at` for images made by hand as in the seed.
 * Re-baking therefore switches new scale-outs to the new image without any config change.
 */
export function selectGoldenImage<T extends GoldenImageCandidate>(
  candidates: readonly T[],
  selector: GoldenImageSelector,
): T {
  if (selector.pinnedId !== undefined) {
    const pinned = candidates.find((c) => c.id === selector.pinnedId);
    if (!pinned) {
      throw new GoldenImageNotFoundError(
        `golden image ${selector.pinnedId} (pinned by id) does not exist or is not visible to this project`,
      );
    }
    if (pinned.status !== 'active') {
      throw new GoldenImageNotFoundError(
        `golden image ${pinned.id} (pinned by id) is ${pinned.status}; only an active image can be booted`,
      );
    }
    return pinned;
  }
  const named = candidates.filter((c) => c.name === selector.name);
  const usable = named.filter(
    (c) =>
      c.status === 'active' &&
      (selector.ownerProjectId === undefined || c.owner === selector.ownerProjectId),
  );
  if (usable.length === 0) {
    const seen = named.map((c) => `${c.id} (${c.status}, owner ${c.owner ?? 'local'})`);
    throw new GoldenImageNotFoundError(
      `no active golden image named "${selector.name}"` +
        (selector.ownerProjectId ? ` owned by project ${selector.ownerProjectId}` : '') +
        (seen.length ? `; images with that name: ${seen.join(', ')}` : '; no image has that name') +
        '. Bake one with `nx run tools:bake-image`, or pin an id.',
    );
  }
  return [...usable].sort((a, b) => bakeTimeMs(b) - bakeTimeMs(a) || b.id.localeCompare(a.id))[0];
}

function bakeTimeMs(c: GoldenImageCandidate): number {
  const baked = c.properties[GoldenImageProperty.bakedAt];
  const t = Date.parse(typeof baked === 'string' && baked ? baked : c.createdAt);
  return Number.isNaN(t) ? 0 : t;
}

/**
 * Older golden images beyond the newest `keep`, for `bake-image --prune N`. Only images that a
 * bake made (role property) are ever returned: hand-made images are never pruned.
 */
export function goldenImagesToPrune(
  candidates: readonly GoldenImageCandidate[],
  name: string,
  keep: number,
): GoldenImageCandidate[] {
  const baked = candidates
    .filter((c) => c.name === name && provenanceFromProperties(c.properties))
    .sort((a, b) => bakeTimeMs(b) - bakeTimeMs(a) || b.id.localeCompare(a.id));
  return baked.slice(Math.max(keep, 0));
}
