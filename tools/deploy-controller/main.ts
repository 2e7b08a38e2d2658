/**
 * `nx run tools:deploy-controller`: the controller on its own VM (seed sections 11-15) in one
 * command; `-- --destroy` removes it again. See README.md.
 *
 * Exit codes: 0 done, 1 failed (what this run created is removed), 2 invalid arguments or cloud
 * config, 130 / 143 interrupted by SIGINT / SIGTERM (cleaned up).
 */
import { randomBytes } from 'node:crypto';
import { ConfigError, OpenStackClient } from '@osa/openstack-client';
import { BakeFailure, RequestLog, messageOf } from '../bake-image/bake-errors';
import { CleanupStack, formatCleanupReport, type CleanupReport } from '../bake-image/cleanup-stack';
import { installInterruptGuard } from '../bake-image/interrupt-guard';
import { formatDuration } from '../bake-image/bake-options';
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
  let client: OpenStackClient;
  try {
    client = options.cloud
      ? OpenStackClient.fromCloud(options.cloud, { logger: requests.logger })
      : OpenStackClient.fromEnvironment({ logger: requests.logger });
  } catch (e) {
    err(`deploy-controller: cloud configuration: ${messageOf(e)}`);
    if (e instanceof ConfigError)
      err('  Source your openrc, or set OS_CLOUD (or --cloud) to a clouds.yaml entry.');
    return 2;
  }
  const cleanup = new CleanupStack({ undoTimeoutMs: options.deleteTimeoutMs + 30_000 });
  const abort = new AbortController();
  const ctx: DeployContext = {
    options,
    client,
    progress,
    cleanup,
    signal: abort.signal,
    requests,
    delivery:
      options.delivery === 'disk'
        ? new DiskDelivery(options.diskRoot, options.sshUser)
        : new SshDelivery(options.keyFile, options.sshUser),
    deployId: `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`,
  };
  const exit = hooks.exit ?? ((code: number) => process.exit(code));
  const report = (r: CleanupReport, why: string): void => {
    progress.line('cleanup', `${why}; cleanup of what this run created:`);
    formatCleanupReport(r).forEach((l) => progress.line('cleanup', `  ${l}`));
  };
  const guard = installInterruptGuard({
    cleanup,
    abort,
    say: (line) => progress.line('interrupt', line),
    exit: (code, r) => {
      if (r) report(r, `interrupted after ${formatDuration(progress.elapsedMs())}`);
      client.close();
      exit(code);
    },
  });
  try {
    if (options.mode === 'destroy') {
      const lines = await runDestroy(ctx);
      out('');
      out(
        `destroyed (${lines.length} line(s) above); the original service VM and the images are untouched`,
      );
    } else {
      const result = await runDeploy(ctx);
      result.summary.forEach(out);
    }
    guard.dispose();
    client.close();
    return 0;
  } catch (e) {
    if (guard.interruptedBy()) return new Promise<number>(() => undefined);
    guard.dispose();
    err(`deploy-controller: FAILED: ${e instanceof BakeFailure ? e.message : messageOf(e)}`);
    report(await cleanup.unwind(), `${options.mode} failed`);
    client.close();
    return 1;
  }
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
