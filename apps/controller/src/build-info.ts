import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** What `--version` prints and `osa_build_info` exports. */
export interface BuildInfo {
  readonly version: string;
  /** The git commit of the checkout the controller runs from; `unknown` outside a git checkout. */
  readonly commit: string;
}

const WORKSPACE_PACKAGE = 'openstack-autoscaler';

/**
 * The workspace package.json's version (the nearest ancestor of this file named
 * openstack-autoscaler: the same from src/ under jest and from dist/ when built), and the commit
 * of the git checkout it sits in, when it sits in one.
 */
export function readBuildInfo(from = __dirname): BuildInfo {
  const root = workspaceRoot(from);
  const version = root ? packageVersion(root) : undefined;
  return {
    version: version ?? 'unknown',
    commit: (root ? gitCommit(root) : undefined) ?? 'unknown',
  };
}

export function formatVersion(info: BuildInfo): string {
  return `openstack-autoscaler controller ${info.version} (commit ${info.commit})`;
}

function workspaceRoot(from: string): string | undefined {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    if (packageName(dir) === WORKSPACE_PACKAGE) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}

function readPackage(dir: string): { name?: unknown; version?: unknown } | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
      name?: unknown;
      version?: unknown;
    };
  } catch {
    return undefined;
  }
}

function packageName(dir: string): unknown {
  return readPackage(dir)?.name;
}

function packageVersion(dir: string): string | undefined {
  const version = readPackage(dir)?.version;
  return typeof version === 'string' ? version : undefined;
}

function gitCommit(dir: string): string | undefined {
  if (!fs.existsSync(path.join(dir, '.git'))) return undefined;
  try {
    // Once at start-up, bounded: a missing or hanging git only costs the commit.
    const out = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], {
      cwd: dir,
      timeout: 2_000,
      stdio: ['ignore', 'pipe', 'ignore'],
      encoding: 'utf8',
    });
    return /^[0-9a-f]{7,40}$/.test(out.trim()) ? out.trim() : undefined;
  } catch {
    return undefined;
  }
}
