/**
 * Step 5: what was baked and how to use it. Image id, name, size, provenance, the base VM's state,
 * how long each step took, and the controller config lines (YAML) that boot from it.
 */
import { formatDuration } from '../bake-options';
import type { BakeContext } from '../bake-context';
import { openStackControllerConfig } from '../controller-config-snippet';
import type { BaseVm } from './boot-base-vm.step';
import type { Prerequisites } from './ensure-prerequisites.step';
import type { PruneResult } from './prune-golden-images.step';
import type { Readiness } from './wait-until-ready.step';
import type { BaseVmState, GoldenImageResult } from './snapshot-golden-image.step';

export interface SummaryInput {
  prereq: Prerequisites;
  vm: BaseVm;
  readiness: Readiness;
  golden: GoldenImageResult;
  baseVmState: BaseVmState;
  prune?: PruneResult;
  /** Which image the controller's rule picks among the images of that name now. */
  selectedImageId?: string;
}

export function bakeSummary(ctx: BakeContext, input: SummaryInput): string[] {
  const { options } = ctx;
  const { image, provenance } = input.golden;
  const size =
    image.sizeBytes === undefined
      ? 'unknown'
      : `${image.sizeBytes} bytes (${(image.sizeBytes / 1024 / 1024).toFixed(1)} MiB)`;
  const selected =
    input.selectedImageId === undefined
      ? 'not checked'
      : input.selectedImageId === image.id
        ? `yes: the newest active "${image.name ?? options.imageName}" by osa_baked_at`
        : `NO: the rule picks ${input.selectedImageId} (pin imageId below, or check the clocks)`;
  return [
    'golden image baked',
    `  image id:      ${image.id}`,
    `  image name:    ${image.name ?? options.imageName}`,
    `  status:        ${image.status}`,
    `  size:          ${size}`,
    `  provenance:    osa_service_version=${provenance.serviceVersion} osa_bundle_sha256=${provenance.bundleSha256}`,
    `                 osa_source_server_id=${provenance.sourceServerId} osa_baked_at=${provenance.bakedAt}`,
    `  controller picks it: ${selected}`,
    `  base VM:       ${input.vm.name} (${input.vm.id}), ${input.vm.createdByThisRun ? 'booted by this run' : 'reused'}, ${input.baseVmState}`,
    `  readiness:     ${input.readiness.evidence}`,
    ...(input.prereq.created.length
      ? [`  created:       ${input.prereq.created.join('; ')}`]
      : ['  created:       no prerequisites (all present)']),
    ...(input.prune
      ? [
          `  pruned:        ${input.prune.deleted.length ? input.prune.deleted.join(', ') : 'nothing'}${input.prune.failed.length ? `; FAILED to delete ${input.prune.failed.join(', ')}` : ''}`,
        ]
      : []),
    '  steps:',
    ...ctx.progress.timings.map(
      (t) =>
        `    ${t.step.padEnd(14)} ${(t.outcome === 'done' ? formatDuration(t.durationMs) : t.outcome).padStart(8)}  ${t.title}`,
    ),
    `    ${'total'.padEnd(14)} ${formatDuration(ctx.progress.elapsedMs()).padStart(8)}`,
    '  controller config (controller.yaml):',
    ...openStackControllerConfig({
      cloud: ctx.cloudName,
      imageName: image.name ?? options.imageName,
      imageId: image.id,
      flavor: options.flavor,
      network: options.networkName,
      keyName: options.keyName,
      securityGroup: options.securityGroup,
      servicePort: options.servicePort,
      originalName: input.vm.name,
    }).map((line) => `    ${line}`),
  ];
}
