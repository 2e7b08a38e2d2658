/**
 * What bake-image and deploy-controller both do around their steps on a cloud: open the client
 * (exit 2 on a bad cloud configuration), run the steps under an interrupt guard, and on a
 * failure or Ctrl-C unwind what the run created and print what was removed. The exit codes are
 * the tools' own: 0 done, 1 failed (cleaned up), 2 cloud configuration, 130 / 143 interrupted.
 */
import { ConfigError, OpenStackClient } from '@osa/openstack-client';
import { BakeFailure, messageOf, RequestLog } from './bake-errors';
import { formatDuration } from './bake-options';
import { CleanupReport, CleanupStack, formatCleanupReport } from './cleanup-stack';
import { installInterruptGuard } from './interrupt-guard';
import { ProgressReporter } from './progress-reporter';

/** What every cloud tool's context carries, made by the runner. */
export interface CloudToolBase {
  client: OpenStackClient;
  /** Aborted by Ctrl-C / SIGTERM: every wait and HTTP call ends with it. */
  signal: AbortSignal;
  progress: ProgressReporter;
  cleanup: CleanupStack;
  requests: RequestLog;
}

export interface CloudToolRun<C> {
  /** `bake-image`, `deploy-controller`: starts every error line. */
  tool: string;
  /** --cloud (a clouds.yaml entry); else OS_CLOUD or the openrc variables. */
  cloud: string | undefined;
  progress: ProgressReporter;
  requests: RequestLog;
  cleanup: CleanupStack;
  /** The tool's context: the base the runner made, and the tool's own fields. */
  context: (base: CloudToolBase) => C;
  /** The steps; they print their own summary. */
  steps: (context: C) => Promise<void>;
  /** What a failure is called in the cleanup line (`bake failed`). */
  failed: string;
  /** Lines after a cleanup report (bake-image: the prerequisites it keeps). */
  afterCleanup?: (context: C) => void;
  /** How the interrupt path exits the process; tests pass their own. */
  exit?: (code: number) => void;
}

const err = (line: string): void => void process.stderr.write(`${line}\n`);

export async function runCloudTool<C>(run: CloudToolRun<C>): Promise<number> {
  const { tool, progress, cleanup } = run;
  let client: OpenStackClient;
  try {
    client = run.cloud
      ? OpenStackClient.fromCloud(run.cloud, { logger: run.requests.logger })
      : OpenStackClient.fromEnvironment({ logger: run.requests.logger });
  } catch (e) {
    err(`${tool}: cloud configuration: ${messageOf(e)}`);
    if (e instanceof ConfigError)
      err('  Source your openrc, or set OS_CLOUD (or --cloud) to a clouds.yaml entry.');
    return 2;
  }
  const abort = new AbortController();
  const context = run.context({
    client,
    signal: abort.signal,
    progress,
    cleanup,
    requests: run.requests,
  });
  const finish = (report: CleanupReport | undefined, why: string): void => {
    if (report) {
      progress.line('cleanup', `${why}; cleanup of what this run created:`);
      formatCleanupReport(report).forEach((line) => progress.line('cleanup', `  ${line}`));
    }
    run.afterCleanup?.(context);
    client.close();
  };
  const exit = run.exit ?? ((code: number) => process.exit(code));
  const guard = installInterruptGuard({
    cleanup,
    abort,
    say: (line) => progress.line('interrupt', line),
    exit: (code, report) => {
      finish(report, `interrupted after ${formatDuration(progress.elapsedMs())}`);
      exit(code);
    },
  });
  try {
    await run.steps(context);
    guard.dispose();
    client.close();
    return 0;
  } catch (e) {
    // The guard is unwinding and will exit with 130/143; do not race it.
    if (guard.interruptedBy()) return new Promise<number>(() => undefined);
    guard.dispose();
    err(`${tool}: FAILED: ${e instanceof BakeFailure ? e.message : messageOf(e)}`);
    finish(await cleanup.unwind(), run.failed);
    return 1;
  }
}
