/**
 * Step 4, seed section 10: stop the base VM (wait SHUTOFF), create the golden image with its
 * provenance properties, wait until Glance says `active` (fail on killed/deleted/deactivated),
 * then start the base VM again (it stays the first backend) unless --no-restart-base.
 *
 * Cleanup: the image is registered the moment Nova returns its id and is deleted unless it is
 * active (never a half-made golden image); a VM this run stopped but did not create is started
 * again if the bake stops midway.
 */
import {
  ConflictError,
  NotFoundError,
  ResourceFailedError,
  WaitAbortedError,
  WaitTimeoutError,
  type Image,
} from '@osa/openstack-client';
import { provenanceToProperties, type GoldenImageProvenance } from '@osa/golden-image';
import { formatDuration } from '../bake-options';
import { BakeFailure, cloudFailure, isQuotaExceeded, messageOf, requestIdOf } from '../bake-errors';
import { sleep, type BakeContext } from '../bake-context';
import type { CleanupHandle } from '../cleanup-stack';
import type { BaseVm } from './boot-base-vm.step';
import { waitForHealth, waitForServerStatus } from './wait-until-ready.step';

export interface GoldenImageResult {
  image: Image;
  provenance: GoldenImageProvenance;
  /** Restarts the VM if the bake stops before `restartBaseVm` (a reused VM this run stopped). */
  restartHandle?: CleanupHandle;
}

export type BaseVmState = 'restarted' | 'left SHUTOFF';

export async function snapshotGoldenImage(
  ctx: BakeContext,
  vm: BaseVm,
): Promise<GoldenImageResult> {
  const { options, progress, client } = ctx;
  const resource = `server ${vm.name} (${vm.id})`;

  // --- stop (seed: openstack server stop service-vm-1) ---
  let restartHandle: CleanupHandle | undefined;
  const before = await client.compute.servers
    .get(vm.id, { signal: ctx.signal })
    .catch((err: unknown) => {
      throw cloudFailure(resource, 'reading it', err, ctx.requests, 'compute');
    });
  if (before.status === 'SHUTOFF') {
    progress.line('snapshot', `${vm.name} is already SHUTOFF`);
  } else {
    if (!vm.createdByThisRun && options.restartBase) {
      restartHandle = ctx.cleanup.register({
        resource,
        undo: () => startWhenNovaAllows(ctx, vm.id),
      });
    }
    await client.compute.servers.stop(vm.id, { signal: ctx.signal }).catch((err: unknown) => {
      throw cloudFailure(resource, 'stopping it (os-stop)', err, ctx.requests, 'compute');
    });
    await waitForServerStatus(ctx, vm, 'SHUTOFF', options.stopTimeoutMs, 'snapshot');
  }

  // --- image (seed: openstack server image create --name service-golden service-vm-1) ---
  const provenance: GoldenImageProvenance = {
    serviceVersion: options.serviceVersion,
    bundleSha256: ctx.bundle.sha256,
    sourceServerId: vm.id,
    bakedAt: new Date().toISOString(),
  };
  let created: { value: { imageId: string }; handle: CleanupHandle };
  try {
    created = await ctx.cleanup.adopt(
      client.compute.servers.createImage(vm.id, {
        name: options.imageName,
        metadata: provenanceToProperties(provenance),
      }),
      ({ imageId }) => ({
        resource: `image ${options.imageName} (${imageId})`,
        undo: () => deleteUnlessActive(ctx, imageId),
      }),
    );
  } catch (err) {
    if (isQuotaExceeded(err)) {
      throw new BakeFailure(
        `image ${options.imageName} of ${resource}`,
        `quota exceeded: ${messageOf(err)}`,
        requestIdOf(err) ?? ctx.requests.last('compute'),
        'Delete old images (see --prune) or ask for a higher image quota.',
        { cause: err },
      );
    }
    throw cloudFailure(
      `image ${options.imageName} of ${resource}`,
      'creating it (createImage)',
      err,
      ctx.requests,
      'compute',
    );
  }
  const imageId = created.value.imageId;
  progress.line(
    'snapshot',
    `Nova accepted image ${options.imageName}: ${imageId} (cleanup registered)`,
  );
  const image = await waitForImageActive(ctx, imageId);
  created.handle.release();
  // The golden image exists now: from here on the base VM is kept whatever happens (first backend).
  vm.cleanupHandle?.release();
  return { image, provenance, restartHandle };
}

/** Seed: `openstack server start service-vm-1` (optional there; the default here). */
export async function restartBaseVm(
  ctx: BakeContext,
  vm: BaseVm,
  golden: GoldenImageResult,
): Promise<BaseVmState> {
  const { options, progress } = ctx;
  const resource = `server ${vm.name} (${vm.id})`;
  try {
    if (!options.restartBase) {
      progress.line('restart', `${vm.name} left SHUTOFF (--no-restart-base)`);
      return 'left SHUTOFF';
    }
    await startWhenNovaAllows(ctx, vm.id, {
      timeoutMs: options.startTimeoutMs,
      signal: ctx.signal,
      onBusy: (taskState) =>
        progress.line(
          'restart',
          `Nova is still finishing the snapshot (task_state ${taskState}): os-start again in 1s`,
        ),
    }).catch((err: unknown) => {
      throw cloudFailure(resource, 'starting it again (os-start)', err, ctx.requests, 'compute');
    });
    await waitForServerStatus(ctx, vm, 'ACTIVE', options.startTimeoutMs, 'restart');
    if (options.readiness === 'health') {
      // The unit is enabled: after a restart the service must come back on its own.
      progress.line('restart', await waitForHealth(ctx, vm, 'restart'));
    }
    return 'restarted';
  } finally {
    golden.restartHandle?.release();
  }
}

async function waitForImageActive(ctx: BakeContext, imageId: string): Promise<Image> {
  const { options } = ctx;
  const resource = `image ${options.imageName} (${imageId})`;
  const ticker = ctx.progress.wait(
    'snapshot',
    `${resource} to become active`,
    options.imageTimeoutMs,
  );
  try {
    return await ctx.client.image.images.waitForStatus(imageId, {
      target: 'active',
      failOn: ['killed', 'deleted', 'deactivated'],
      timeoutMs: options.imageTimeoutMs,
      intervalMs: Math.min(1_000, ctx.options.readyPollIntervalMs),
      maxIntervalMs: 5_000,
      signal: ctx.signal,
      onProgress: (p) =>
        ticker.update(`${p.status}${p.current?.sizeBytes ? `, ${p.current.sizeBytes} bytes` : ''}`),
    });
  } catch (err) {
    if (err instanceof WaitAbortedError) throw err;
    if (err instanceof ResourceFailedError) {
      throw new BakeFailure(
        resource,
        `went ${err.status} instead of active: ${err.reason}`,
        ctx.requests.last('image'),
        "The image is deleted; check the cloud's image service and bake again.",
        { cause: err },
      );
    }
    if (err instanceof WaitTimeoutError) {
      throw new BakeFailure(
        resource,
        `not active after ${formatDuration(err.timeoutMs)} (last status ${err.lastStatus ?? 'unknown'})`,
        ctx.requests.last('image'),
        'Raise --image-timeout for large disks.',
        { cause: err },
      );
    }
    throw cloudFailure(resource, 'waiting for active', err, ctx.requests, 'image');
  } finally {
    ticker.stop();
  }
}

/**
 * Starts a stopped VM (the restart step, and the undo for a reused VM this run stopped). Right
 * after a snapshot Nova may still show its task_state for a moment, after Glance already says the
 * image is active (or after a half-made image was deleted), and answers os-start with 409 ("Cannot
 * 'start' instance ... while it is in task_state image_uploading"): retry, bounded by timeoutMs.
 * The undo passes no signal: it must still run after the bake was interrupted.
 */
async function startWhenNovaAllows(
  ctx: BakeContext,
  serverId: string,
  opts: { timeoutMs?: number; signal?: AbortSignal; onBusy?: (taskState: string) => void } = {},
): Promise<string> {
  const { timeoutMs = 120_000, signal, onBusy } = opts;
  const started = Date.now();
  for (;;) {
    const server = await ctx.client.compute.servers.get(serverId, { signal });
    if (server.status === 'ACTIVE') return 'already running:';
    try {
      await ctx.client.compute.servers.start(serverId, { signal });
      return 'restarted';
    } catch (err) {
      if (!(err instanceof ConflictError) || Date.now() - started > timeoutMs) throw err;
      onBusy?.(server.taskState ?? 'unknown');
    }
    // The undo has no signal (it runs after an interrupt too); the restart step's wait ends with it.
    if (signal) await sleep(1_000, signal);
    else await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

/** Undo for an image: an active image is complete and kept; anything else is deleted. */
async function deleteUnlessActive(ctx: BakeContext, imageId: string): Promise<string> {
  let image: Image | undefined;
  try {
    image = await ctx.client.image.images.get(imageId);
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
  }
  if (image?.status === 'active') return 'kept (active, complete)';
  // Nova's snapshot may still be uploading: deleting now stops it, and Glance removes the data.
  await ctx.client.image.images.delete(imageId);
  return image ? `removed (was ${image.status})` : 'removed';
}
