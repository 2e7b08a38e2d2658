/**
 * `nx run tools:deploy-controller`: the controller on its own VM (seed sections 11-15) in one
 * command; `-- --destroy` removes it again. See README.md.
 *
 * Exit codes: 0 done, 1 failed (what this run created is removed), 2 invalid arguments or cloud
 * config, 130 / 143 interrupted by SIGINT / SIGTERM (cleaned up).
 */
import { randomBytes } from 'node:crypto';
import { RequestLog } from '../bake-image/bake-errors';
import { CleanupStack } from '../bake-image/cleanup-stack';
import { runCloudTool } from '../bake-image/cloud-tool-run';
import { ProgressReporter } from '../bake-image/progress-reporter';
import { DiskDelivery } from './delivery/disk-delivery';
import { SshDelivery } from './delivery/ssh-delivery';
import type { DeployContext } from './deploy-context';
import { runDeploy } from './deploy-controller';
import {
  DeployUsageError,
  deployHelpText,
  parseDeployArgs,
  type DeployOptions,
} from './deploy-options';
import { runDestroy } from './destroy-controller';

const out = (line: string): void => void process.stdout.write(`${line}\n`);
const err = (line: string): void => void process.stderr.write(`${line}\n`);

export interface RunHooks {
  /** Default: exit the process (the interrupt path); tests pass their own. */
  exit?: (code: number) => void;
}

export async function main(argv: readonly string[], hooks: RunHooks = {}): Promise<number> {
  let options: DeployOptions;
  try {
    const parsed = parseDeployArgs(argv);
    if (parsed.kind === 'help') {
      out(deployHelpText());
      return 0;
    }
    options = parsed.options;
  } catch (e) {
    if (e instanceof DeployUsageError) {
      err(e.message);
      return 2;
    }
    throw e;
  }
  const progress = new ProgressReporter(
    out,
    options.progressIntervalMs,
    Date.now,
    'deploy-controller',
  );
  progress.line('start', `${options.mode} ${options.vmName}, delivery ${options.delivery}`);
  const requests = new RequestLog();
  const cleanup = new CleanupStack({ undoTimeoutMs: options.deleteTimeoutMs + 30_000 });
  return runCloudTool<DeployContext>({
    tool: 'deploy-controller',
    cloud: options.cloud,
    progress,
    requests,
    cleanup,
    context: (base) => ({
      ...base,
      options,
      delivery:
        options.delivery === 'disk'
          ? new DiskDelivery(options.diskRoot, options.sshUser)
          : new SshDelivery(options.keyFile, options.sshUser),
      deployId: `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`,
    }),
    steps: async (ctx) => {
      if (options.mode === 'destroy') {
        const lines = await runDestroy(ctx);
        out('');
        out(
          `destroyed (${lines.length} line(s) above); the original service VM and the images are untouched`,
        );
      } else (await runDeploy(ctx)).summary.forEach(out);
    },
    failed: `${options.mode} failed`,
    exit: hooks.exit,
  });
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      err(
        `deploy-controller: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`,
      );
      process.exit(1);
    },
  );
}
