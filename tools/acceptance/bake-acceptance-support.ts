/**
 * Helpers of devcloud-bake.acceptance.spec.ts: whether a real cloud is configured, the built bake
 * CLI as a child process, cleanup registered before anything exists, and the loopback guard.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export {
  AcceptanceCleanup,
  CLOUD_CONFIGURED,
  describeWithCloud,
  acceptanceRunTag as runTag,
  assertLoopback,
  httpGet,
  isLoopbackCidr,
  isLoopbackIPv4,
} from '@osa/openstack-testkit';

export const WORKSPACE_ROOT = path.resolve(__dirname, '../..');
export const BAKE_CLI = path.join(WORKSPACE_ROOT, 'dist/tools/bake-image/main.js');
export const DEPLOY_CLI = path.join(WORKSPACE_ROOT, 'dist/tools/deploy-controller/main.js');
export const SERVICE_BUNDLE = path.join(WORKSPACE_ROOT, 'dist/apps/service/main.js');

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  durationMs: number;
}

/** The cloud settings of this process (OS_*), and nothing else of the test runner's environment. */
export function cloudEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: process.env['HOME'] ?? '/tmp',
  };
  for (const [key, value] of Object.entries(process.env))
    if (key.startsWith('OS_')) env[key] = value;
  return env;
}

/**
 * Runs `node dist/tools/bake-image/main.js ...args` as `nx run tools:bake-image` would, streaming
 * its progress lines to stderr (so a slow CI run shows where it is) and killing it after `timeoutMs`.
 */
export function runBakeCli(args: readonly string[], timeoutMs: number): Promise<CliRun> {
  return runToolCli(BAKE_CLI, 'bake', args, timeoutMs);
}

/** A built tool (`dist/tools/<tool>/main.js`) as a child process with the cloud settings only. */
export function runToolCli(
  cli: string,
  label: string,
  args: readonly string[],
  timeoutMs: number,
): Promise<CliRun> {
  if (!fs.existsSync(cli))
    throw new Error(`${cli} is missing: run \`npx nx run tools:build\` first`);
  const started = Date.now();
  const child = spawn(process.execPath, [cli, ...args], {
    cwd: WORKSPACE_ROOT,
    env: cloudEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    process.stderr.write(chunk.toString().replace(/^(?=.)/gm, `[${label}] `));
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    process.stderr.write(chunk.toString().replace(/^(?=.)/gm, `[${label} stderr] `));
  });
  const timer = setTimeout(() => {
    // SIGINT: the tool unwinds what it created (its interrupt guard), as a user's Ctrl-C would.
    child.kill('SIGINT');
    setTimeout(() => child.kill('SIGKILL'), 60_000).unref();
  }, timeoutMs);
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, durationMs: Date.now() - started });
    });
  });
}
