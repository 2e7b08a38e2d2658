/**
 * `--prune N`: keep the newest N baked images of this name (by the same newest-golden-image rule the
 * controller uses, @osa/golden-image), delete the older ones. Only images a bake made (osa_role
 * property) and owned by this project are candidates; hand-made images are never touched, and
 * neither is the image this run just made. A failed delete is reported, not fatal: the new image
 * is already baked.
 */
import { goldenImageCandidateOf, goldenImagesToPrune } from '@osa/golden-image';
import type { Image } from '@osa/openstack-client';
import { cloudFailure, messageOf, requestIdOf } from '../bake-errors';
import type { BakeContext } from '../bake-context';

export interface PruneResult {
  deleted: string[];
  failed: string[];
}

export async function pruneGoldenImages(
  ctx: BakeContext,
  keep: number,
  newImageId: string,
  projectId: string | undefined,
): Promise<PruneResult> {
  const { options, progress } = ctx;
  let images: Image[];
  try {
    images = await ctx.client.image.images
      .list({ name: options.imageName, signal: ctx.signal })
      .toArray();
  } catch (err) {
    throw cloudFailure(
      `images named "${options.imageName}"`,
      'listing them for --prune',
      err,
      ctx.requests,
      'image',
    );
  }
  const ours = images
    .map(goldenImageCandidateOf)
    .filter((c) => projectId === undefined || c.owner === projectId);
  const result: PruneResult = { deleted: [], failed: [] };
  for (const old of goldenImagesToPrune(ours, options.imageName, keep)) {
    if (old.id === newImageId) continue;
    try {
      await ctx.client.image.images.delete(old.id, { signal: ctx.signal });
      result.deleted.push(old.id);
      progress.line(
        'prune',
        `deleted image ${old.id} (baked ${String(old.properties.osa_baked_at ?? old.createdAt)})`,
      );
    } catch (err) {
      result.failed.push(old.id);
      progress.line(
        'prune',
        `could not delete image ${old.id}: ${messageOf(err)} [${requestIdOf(err) ?? ctx.requests.last('image') ?? 'no request id'}]`,
      );
    }
  }
  if (!result.deleted.length && !result.failed.length)
    progress.line(
      'prune',
      `nothing to prune (${ours.length} image(s) named "${options.imageName}")`,
    );
  return result;
}
