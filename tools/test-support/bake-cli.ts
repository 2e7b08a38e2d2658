/**
 * Runs the built bake CLI (dist/tools/bake-image/main.js) as a real child process, as a user would
 * through `nx run tools:bake-image`. The `test` target depends on `build`, so the file exists.
 */
import { ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const WORKSPACE_ROOT = path.resolve(__dirname, '../..');
export const BAKE_CLI = path.join(WORKSPACE_ROOT, 'dist/tools/bake-image/main.js');
export const SERVICE_BUNDLE = path.join(WORKSPACE_ROOT, 'dist/apps/service/main.js');

export interface BakeRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunningBake {
  child: ChildProcessWithoutNullStreams;
  output: () => string;
  /** Resolves once stdout contains a line matching `pattern` (rejects after `timeoutMs`). */
  waitForLine: (pattern: RegExp, timeoutMs: number) => Promise<string>;
  done: Promise<BakeRun>;
}

export function startBake(
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): RunningBake {
  return startTool(BAKE_CLI, args, options);
}

/** Any built tool CLI (dist/tools/<tool>/main.js) as a child process. */
export function startTool(
  cli: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): RunningBake {
  if (!fs.existsSync(cli))
    throw new Error(`${cli} is missing: run \`npx nx run tools:build\` first`);
  const child = spawn(process.execPath, [cli, ...args], {
    cwd: options.cwd ?? WORKSPACE_ROOT,
    env: options.env ?? cleanEnv(),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
    listeners.forEach((l) => l());
  });
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<BakeRun>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  const waitForLine = (pattern: RegExp, timeoutMs: number): Promise<string> =>
    new Promise((resolve, reject) => {
      const check = (): boolean => {
        const line = stdout.split('\n').find((l) => pattern.test(l));
        if (line === undefined) return false;
        cleanup();
        resolve(line);
        return true;
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(
            `no line matching ${pattern} within ${timeoutMs} ms; stdout so far:\n${stdout}\nstderr:\n${stderr}`,
          ),
        );
      }, timeoutMs);
      const onExit = (): void => {
        if (!check()) {
          cleanup();
          reject(
            new Error(
              `the tool exited before a line matched ${pattern}; stdout:\n${stdout}\nstderr:\n${stderr}`,
            ),
          );
        }
      };
      const cleanup = (): void => {
        clearTimeout(timer);
        listeners.delete(listener);
        child.off('close', onExit);
      };
      const listener = (): void => void check();
      if (check()) return;
      listeners.add(listener);
      child.on('close', onExit);
    });
  return { child, output: () => stdout, waitForLine, done };
}

export async function runBake(
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<BakeRun> {
  return runTool(BAKE_CLI, args, options);
}

export async function runTool(
  cli: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<BakeRun> {
  const running = startTool(cli, args, options);
  const timeoutMs = options.timeoutMs ?? 60_000;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      running.child.kill('SIGKILL');
      reject(
        new Error(
          `${path.basename(path.dirname(cli))} did not finish within ${timeoutMs} ms; stdout:\n${running.output()}`,
        ),
      );
    }, timeoutMs);
  });
  try {
    return await Promise.race([running.done, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The test runner's environment without any OpenStack settings (a developer may have an openrc sourced). */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('OS_')) env[k] = v;
  return { ...env, ...extra };
}
