/**
 * `--provider=local`: the laptop twin of the cloud bake. The "golden image" is a folder in the
 * local image store (@osa/golden-image: the bundle plus a manifest with the same provenance
 * properties a Glance image gets), which the controller's local provider boots from.
 *
 *   check-bundle  read + hash the bundle, start it on loopback, require a 2xx health answer
 *   write-image   writeLocalGoldenImage() (staged folder renamed into place: never half-made)
 *   prune         --prune N: goldenImagesToPrune() over the store
 */
import {
  deleteLocalGoldenImage,
  goldenImagesToPrune,
  listLocalGoldenImages,
  LocalGoldenImage,
  selectGoldenImage,
  writeLocalGoldenImage,
} from '@osa/golden-image';
import { BakeOptions, formatDuration } from './bake-options';
import { BakeFailure } from './bake-errors';
import { localControllerConfig } from './controller-config-snippet';
import { ProgressReporter, StepTiming } from './progress-reporter';
import { readServiceBundle, smokeTestBundle } from './service-bundle';

export interface LocalBakeResult {
  image?: LocalGoldenImage;
  pruned: string[];
  summary: string[];
  timings: StepTiming[];
}

export async function runLocalBake(
  options: BakeOptions,
  progress: ProgressReporter,
): Promise<LocalBakeResult> {
  const bundle = await progress.step(
    'check-bundle',
    `service bundle ${options.bundlePath}`,
    async () => {
      const b = readServiceBundle(options.bundlePath);
      const smoke = await smokeTestBundle(b.bundlePath, { healthPath: options.healthPath });
      progress.line(
        'check-bundle',
        `${b.bytes.length} bytes, sha256 ${b.sha256}; ${smoke.url} healthy after ${smoke.attempts} attempt(s)`,
      );
      return b;
    },
  );

  if (options.dryRun) {
    progress.skipped(
      'write-image',
      `local golden image "${options.imageName}" in ${options.imagesDir}`,
      'dry run',
    );
    return { pruned: [], summary: ['dry run: nothing written'], timings: progress.timings };
  }

  const image = await progress.step(
    'write-image',
    `local golden image "${options.imageName}" in ${options.imagesDir}`,
    async () => {
      const written = writeLocalGoldenImage(options.imagesDir, {
        name: options.imageName,
        bundlePath: bundle.bundlePath,
        serviceVersion: options.serviceVersion,
      });
      progress.line(
        'write-image',
        `wrote ${written.id} (osa_bundle_sha256 ${String(written.properties.osa_bundle_sha256)})`,
      );
      return written;
    },
  );

  const pruned: string[] = [];
  if (options.pruneKeep !== undefined) {
    const keep = options.pruneKeep;
    await progress.step(
      'prune',
      `keep the newest ${keep} baked "${options.imageName}" image(s)`,
      async () => {
        for (const old of goldenImagesToPrune(
          listLocalGoldenImages(options.imagesDir),
          options.imageName,
          keep,
        )) {
          if (old.id === image.id) continue;
          deleteLocalGoldenImage(options.imagesDir, old.id);
          pruned.push(old.id);
          progress.line('prune', `deleted local image ${old.id}`);
        }
        if (!pruned.length) progress.line('prune', 'nothing to prune');
      },
    );
  }

  // The controller will pick by the same rule: make sure it picks what we just wrote.
  const chosen = selectGoldenImage(listLocalGoldenImages(options.imagesDir), {
    name: options.imageName,
  });
  if (chosen.id !== image.id) {
    throw new BakeFailure(
      `local golden image ${image.id}`,
      `was written, but the newest-golden-image rule picks ${chosen.id} (baked ${String(chosen.properties.osa_baked_at)}); is the clock behind?`,
      null,
    );
  }

  const summary = [
    'golden image baked (local provider)',
    `  image id:     ${image.id}`,
    `  image name:   ${image.name}`,
    `  size:         ${bundle.bytes.length} bytes (bundle)`,
    `  folder:       ${options.imagesDir}/${image.id}`,
    `  provenance:   ${Object.entries(image.properties)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(' ')}`,
    ...(pruned.length ? [`  pruned:       ${pruned.join(', ')}`] : []),
    '  steps:',
    ...progress.timings.map(
      (t) =>
        `    ${t.step.padEnd(14)} ${t.outcome === 'done' ? formatDuration(t.durationMs) : t.outcome}`,
    ),
    '  controller config (controller.yaml):',
    ...localControllerConfig({
      workspaceRoot: options.workspaceRoot,
      imagesDir: options.imagesDir,
      imageName: image.name,
      imageId: image.id,
    }).map((l) => `    ${l}`),
  ];
  return { image, pruned, summary, timings: progress.timings };
}
