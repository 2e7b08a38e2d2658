/**
 * `nx run tools:bake-image`: bake the golden image the controller scales out from.
 *
 *   --provider=openstack (default)  seed sections 4-10 against the cloud in OS_CLOUD / openrc
 *   --provider=local                a golden image in the local image store (.osa/images)
 *
 * Exit codes: 0 baked, 1 bake failed (cleaned up), 2 invalid arguments or cloud config,
 * 130 / 143 interrupted by SIGINT / SIGTERM (cleaned up). See README.md.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { BakeFailure, RequestLog, messageOf } from './bake-errors';
import {
  BakeOptions,
  BakeUsageError,
  bakeHelpText,
  formatDuration,
  parseBakeArgs,
} from './bake-options';
import type { BakeContext } from './bake-context';
import { CleanupStack } from './cleanup-stack';
import {
  buildCloudInitUserData,
  CloudInitUserData,
  UserDataTooLargeError,
} from './cloud-init-user-data';
import { runCloudTool } from './cloud-tool-run';
import { runLocalBake } from './local-bake';
import { runOpenStackBake } from './openstack-bake';
import { ProgressReporter } from './progress-reporter';
import { readServiceBundle, ServiceBundle, smokeTestBundle } from './service-bundle';

const out = (line: string): void => {
  process.stdout.write(`${line}\n`);
};
const err = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

export async function main(argv: readonly string[]): Promise<number> {
  let options: BakeOptions;
  try {
    const parsed = parseBakeArgs(argv);
    if (parsed.kind === 'help') {
      out(bakeHelpText());
      return 0;
    }
    options = parsed.options;
  } catch (e) {
    if (e instanceof BakeUsageError) {
      err(e.message);
      return 2;
    }
    throw e;
  }
  const progress = new ProgressReporter(out, options.progressIntervalMs);
  progress.line(
    'start',
    `provider ${options.provider}, image "${options.imageName}", bundle ${options.bundlePath}${options.dryRun ? ' (dry run)' : ''}`,
  );
  return options.provider === 'local'
    ? bakeLocal(options, progress)
    : bakeInCloud(options, progress);
}

async function bakeLocal(options: BakeOptions, progress: ProgressReporter): Promise<number> {
  try {
    const result = await runLocalBake(options, progress);
    result.summary.forEach(out);
    return 0;
  } catch (e) {
    err(`bake-image: FAILED: ${e instanceof BakeFailure ? e.message : messageOf(e)}`);
    return 1;
  }
}

/** Reads, smoke-tests and packs the bundle before any cloud call (a broken or too large bundle fails in seconds). */
async function prepareBundle(
  options: BakeOptions,
  progress: ProgressReporter,
  bakeId: string,
): Promise<{ bundle: ServiceBundle; userData: CloudInitUserData }> {
  return progress.step('check-bundle', `service bundle ${options.bundlePath}`, async () => {
    const bundle = readServiceBundle(options.bundlePath, options.unitPath);
    const unitPort = /^\s*Environment=.*\bPORT=(\d+)/m.exec(bundle.unitText)?.[1];
    if (unitPort !== undefined && Number(unitPort) !== options.servicePort) {
      throw new BakeFailure(
        `systemd unit ${options.unitPath}`,
        `runs the service on PORT=${unitPort}, but --service-port=${options.servicePort}: the readiness check would never pass`,
        null,
        `Pass --service-port=${unitPort}, or change the unit.`,
      );
    }
    let userData: CloudInitUserData;
    try {
      userData = buildCloudInitUserData({
        bundle: bundle.bytes,
        unitText: bundle.unitText,
        bakeId,
        servicePort: options.servicePort,
        healthPath: options.healthPath,
      });
    } catch (e) {
      if (e instanceof UserDataTooLargeError)
        throw new BakeFailure(`service bundle ${options.bundlePath}`, e.message, null);
      throw e;
    }
    // Size first (instant), then the smoke test (starts the bundle): both before any cloud call.
    const smoke = await smokeTestBundle(bundle.bundlePath, { healthPath: options.healthPath });
    const s = userData.sizes;
    progress.line(
      'check-bundle',
      `${s.bundleBytes} bytes (${s.bundleGzipBytes} gzipped), sha256 ${bundle.sha256}; ${smoke.url} healthy; user data ${s.userDataBytes} bytes, ${s.base64Bytes} after base64 (Nova limit ${s.limitBytes})`,
    );
    if (options.userDataOut) {
      fs.writeFileSync(options.userDataOut, userData.text);
      progress.line('check-bundle', `user data written to ${options.userDataOut}`);
    }
    return { bundle, userData };
  });
}

async function bakeInCloud(options: BakeOptions, progress: ProgressReporter): Promise<number> {
  const bakeId = `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
  let prepared: { bundle: ServiceBundle; userData: CloudInitUserData };
  try {
    prepared = await prepareBundle(options, progress, bakeId);
  } catch (e) {
    err(`bake-image: FAILED: ${messageOf(e)}`);
    return 1;
  }
  if (options.dryRun) {
    out(dryRunPlan(options).join('\n'));
    return 0;
  }

  const requests = new RequestLog(
    options.showRequests ? (line) => progress.line('request', line) : undefined,
  );
  const cleanup = new CleanupStack();
  return runCloudTool<BakeContext>({
    tool: 'bake-image',
    cloud: options.cloud,
    progress,
    requests,
    cleanup,
    context: (base) => ({
      ...base,
      options,
      bundle: prepared.bundle,
      userData: prepared.userData,
      createdPrerequisites: [],
      cloudName: options.cloud ?? (process.env.OS_CLOUD || undefined),
      bakeId,
    }),
    steps: async (ctx) => (await runOpenStackBake(ctx)).summary.forEach(out),
    failed: 'bake failed',
    afterCleanup: (ctx) => {
      if (ctx.createdPrerequisites.length)
        progress.line(
          'cleanup',
          `kept (prerequisites this run created; the next run reuses them): ${ctx.createdPrerequisites.join('; ')}`,
        );
    },
  });
}

function dryRunPlan(options: BakeOptions): string[] {
  return [
    'dry run: no cloud call made. The bake would:',
    `  1. prerequisites: base image "${options.baseImage}", flavor "${options.flavor}"; network "${options.networkName}" + subnet "${options.subnetName}" ${options.subnetCidr} (gateway ${options.subnetGateway}) if absent; tcp ${options.ingressPorts.join(',')} from ${options.ingressRemoteIp} in "${options.securityGroup}"; key pair "${options.keyName}" -> ${options.keyFile}`,
    `  2. base VM "${options.baseVmName}" with cloud-init (reused if it already runs this bundle${options.replaceBaseVm ? '; replaced otherwise' : ''})`,
    `  3. wait: ACTIVE within ${formatDuration(options.bootTimeoutMs)}, ready (${options.readiness}) within ${formatDuration(options.readyTimeoutMs)}`,
    `  4. stop (${formatDuration(options.stopTimeoutMs)}), image "${options.imageName}" active (${formatDuration(options.imageTimeoutMs)}), ${options.restartBase ? `restart (${formatDuration(options.startTimeoutMs)})` : 'leave SHUTOFF'}`,
    `  5. ${options.pruneKeep !== undefined ? `prune to the newest ${options.pruneKeep}, then ` : ''}summary`,
  ];
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      err(
        `bake-image: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`,
      );
      process.exit(1);
    },
  );
}
