// Obtains an old Node.js (the exact versions Ubuntu's own apt repositories ship: 20.04 "focal" has
// 10.19.0, 22.04 "jammy" has 12.22.9) from the npm registry's `node` package, cached under
// <workspace>/.cache/old-node/.
// npm 11 skips the package's install script and warns about it; the binary it unpacks still runs,
// and we check that it does (and is the right major) before using it.
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { WORKSPACE_ROOT } from './service-process';

export const OLD_NODE_CACHE_DIR = path.join(WORKSPACE_ROOT, '.cache', 'old-node');
const NPM_INSTALL_TIMEOUT_MS = 300000;
const VERSION_CHECK_TIMEOUT_MS = 15000;

export interface OldNode {
  binary: string;
  /** As printed by `node --version`, e.g. v12.22.12. */
  version: string;
}

function run(
  file: string,
  args: string[],
  timeoutMs: number,
  env?: NodeJS.ProcessEnv,
): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    execFile(
      file,
      args,
      { timeout: timeoutMs, env, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          const tail = `${stdout}${stderr}`.trim().split('\n').slice(-15).join('\n');
          reject(
            new Error(
              `${file} ${args.join(' ')} failed (${error.message.split('\n')[0]}):\n${tail}`,
            ),
          );
        } else {
          resolve(stdout.trim());
        }
      },
    );
  });
}

/** True if `binary` runs and reports exactly `version` (e.g. 12.22.9). */
async function runsAsVersion(binary: string, version: string): Promise<boolean> {
  if (!fs.existsSync(binary)) return false;
  try {
    return (await run(binary, ['--version'], VERSION_CHECK_TIMEOUT_MS)) === `v${version}`;
  } catch {
    return false;
  }
}

const binaryIn = (prefix: string): string => path.join(prefix, 'node_modules', '.bin', 'node');

/**
 * Returns a working Node of exactly `version` (e.g. 12.22.9), installing it with npm into the cache
 * on first use. Throws (so the calling test fails, never skips) when it cannot be obtained.
 */
export async function obtainOldNode(
  version: string,
  progress: (line: string) => void,
): Promise<OldNode> {
  const prefix = path.join(OLD_NODE_CACHE_DIR, `node-${version}`);
  const cached = { binary: binaryIn(prefix), version: `v${version}` };
  if (await runsAsVersion(cached.binary, version)) {
    progress(`old node: using cached ${cached.version} (${cached.binary})`);
    return cached;
  }

  // Install beside the cache and rename into place, so an interrupted or concurrent run never
  // leaves a half-installed cache behind.
  const partial = `${prefix}.partial-${process.pid}`;
  fs.rmSync(partial, { recursive: true, force: true });
  fs.mkdirSync(partial, { recursive: true });
  // Inside `npm test`, npm exports its own prefix/workspace settings; they must not redirect the
  // install.
  const env: NodeJS.ProcessEnv = {};
  Object.keys(process.env).forEach((key) => {
    if (!/^npm_config_(.*prefix|workspaces?|include_workspace_root)$/i.test(key)) {
      env[key] = process.env[key];
    }
  });
  const args = ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', partial];
  args.push(`node@${version}`);
  progress(`old node: npm ${args.join(' ')} (up to ${NPM_INSTALL_TIMEOUT_MS / 1000} s)`);
  const startedAt = Date.now();
  try {
    await run(process.platform === 'win32' ? 'npm.cmd' : 'npm', args, NPM_INSTALL_TIMEOUT_MS, env);
    if (!(await runsAsVersion(binaryIn(partial), version))) {
      throw new Error(
        `npm installed node@${version} into ${partial}, but ${binaryIn(partial)} does not run as v${version}`,
      );
    }
    fs.rmSync(prefix, { recursive: true, force: true });
    try {
      fs.renameSync(partial, prefix);
    } catch (error) {
      // Another run won the race; use its copy if it works.
      if (!(await runsAsVersion(cached.binary, version))) throw error;
    }
    progress(`old node: installed ${cached.version} in ${Date.now() - startedAt} ms`);
    return cached;
  } finally {
    fs.rmSync(partial, { recursive: true, force: true });
  }
}
