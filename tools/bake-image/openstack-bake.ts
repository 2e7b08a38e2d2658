/**
 * The cloud bake, seed sections 4-10 in order, each a named step with a progress line and a timing:
 *
 *   prerequisites  base image + flavor (read-only), network/subnet, ingress rules, key pair
 *   base-vm        boot service-vm-1 with the cloud-init user data (or reuse it)
 *   ready          ACTIVE, then the console ready marker or the health URL
 *   snapshot       stop -> SHUTOFF, createImage with provenance -> image active
 *   restart        start the base VM again (seed: it stays the first backend)
 *   prune          --prune N only
 *   summary        image id/name/size, durations, controller config lines
 *
 * Failure anywhere unwinds the cleanup stack (what this run created); that is the caller's job
 * (main.ts), so an interrupt and a failure share one path.
 */
import { goldenImageCandidateOf, selectGoldenImage } from '@osa/golden-image';
import type { BakeContext } from './bake-context';
import { cloudFailure } from './bake-errors';
import { bakeSummary } from './steps/bake-summary';
import { bootBaseVm } from './steps/boot-base-vm.step';
import { ensurePrerequisites } from './steps/ensure-prerequisites.step';
import { pruneGoldenImages, type PruneResult } from './steps/prune-golden-images.step';
import { restartBaseVm, snapshotGoldenImage } from './steps/snapshot-golden-image.step';
import { waitUntilReady } from './steps/wait-until-ready.step';

export interface OpenStackBakeResult {
  imageId: string;
  imageName: string;
  baseVmId: string;
  summary: string[];
}

export async function runOpenStackBake(ctx: BakeContext): Promise<OpenStackBakeResult> {
  const { progress, options } = ctx;
  const prereq = await progress.step('prerequisites', 'cloud prerequisites (seed 4-6)', () =>
    ensurePrerequisites(ctx),
  );
  const vm = await progress.step('base-vm', `base VM ${options.baseVmName} (seed 7-9)`, () =>
    bootBaseVm(ctx, prereq),
  );
  const readiness = await progress.step(
    'ready',
    `${options.baseVmName} ready (--readiness=${options.readiness})`,
    () => waitUntilReady(ctx, vm),
  );
  progress.line('ready', readiness.evidence);
  const golden = await progress.step(
    'snapshot',
    `golden image ${options.imageName} (seed 10)`,
    () => snapshotGoldenImage(ctx, vm),
  );
  const baseVmState = await progress.step('restart', `restart ${vm.name}`, () =>
    restartBaseVm(ctx, vm, golden),
  );

  let prune: PruneResult | undefined;
  if (options.pruneKeep !== undefined) {
    const keep = options.pruneKeep;
    prune = await progress.step(
      'prune',
      `keep the newest ${keep} baked "${options.imageName}" image(s)`,
      () => pruneGoldenImages(ctx, keep, golden.image.id, prereq.projectId),
    );
  }

  // Which image will the controller pick now? The same rule, over what the cloud lists.
  let selectedImageId: string | undefined;
  try {
    const images = await ctx.client.image.images
      .list({ name: options.imageName, signal: ctx.signal })
      .toArray();
    selectedImageId = selectGoldenImage(images.map(goldenImageCandidateOf), {
      name: options.imageName,
      ownerProjectId: prereq.projectId,
    }).id;
  } catch (err) {
    progress.line(
      'summary',
      `could not check which image the controller picks: ${cloudFailure(`images named "${options.imageName}"`, 'listing them', err, ctx.requests, 'image').message}`,
    );
  }

  const summary = bakeSummary(ctx, {
    prereq,
    vm,
    readiness,
    golden,
    baseVmState,
    prune,
    selectedImageId,
  });
  return { imageId: golden.image.id, imageName: options.imageName, baseVmId: vm.id, summary };
}
