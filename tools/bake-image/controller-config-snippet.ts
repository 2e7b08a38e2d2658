/**
 * The controller config lines (YAML, apps/controller/src/config/provider.config.ts) that use a
 * freshly baked golden image, printed by the summary so the user can paste them into
 * controller.yaml. Pure functions: tested by parsing the output back with `yaml`.
 */
import * as path from 'node:path';

export interface OpenStackSnippetInput {
  cloud?: string;
  imageName: string;
  imageId: string;
  flavor: string;
  network: string;
  keyName: string;
  securityGroup: string;
  servicePort: number;
  originalName: string;
}

export function openStackControllerConfig(input: OpenStackSnippetInput): string[] {
  return [
    'provider:',
    '  kind: openstack',
    `  originalName: ${input.originalName}  # the base VM stays the first backend (seed 10)`,
    '  openstack:',
    ...(input.cloud
      ? [`    cloud: ${input.cloud}`]
      : ['    # cloud: <name>  # else OS_CLOUD or the openrc OS_* variables']),
    `    image: ${input.imageName}  # newest active "${input.imageName}" by osa_baked_at: re-baking needs no config change`,
    `    # imageId: ${input.imageId}  # or pin exactly this bake`,
    `    flavor: ${input.flavor}`,
    `    network: ${input.network}`,
    `    keyName: ${input.keyName}`,
    `    securityGroups: [${input.securityGroup}]`,
    `    servicePort: ${input.servicePort}`,
  ];
}

/**
 * The local provider reads the same store the bake wrote (provider.local.imagesDir) and picks the
 * newest image of the name, like the OpenStack provider; the default store needs no line at all.
 */
export function localControllerConfig(input: {
  workspaceRoot: string;
  imagesDir: string;
  imageName: string;
  imageId: string;
}): string[] {
  const relative = path.relative(input.workspaceRoot, input.imagesDir);
  const shown =
    relative && !relative.startsWith('..') && !path.isAbsolute(relative)
      ? relative
      : input.imagesDir;
  return [
    'provider:',
    '  kind: local',
    '  local:',
    `    imagesDir: ${shown}  # the local image store this bake wrote to`,
    `    image: ${input.imageName}  # newest "${input.imageName}" by osa_baked_at: re-baking needs no config change`,
    `    # imageId: ${input.imageId}  # or pin exactly this bake`,
  ];
}
