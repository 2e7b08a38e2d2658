/**
 * The self-contained controller release the VM runs, because a stock Ubuntu 22.04/24.04 has no
 * Node 20 and the VM must not need anything the seed does not (no npm registry, no NodeSource):
 *
 *   bin/node                      this Node 20 (or --node-binary), linux-x64, glibc only
 *   dist/apps/controller/...      the built controller (tsc output with its dashboard assets)
 *   node_modules/...              its production dependencies, as installed here (npm ls --omit=dev)
 *   node_modules/@osa/<lib>/      package.json + dist of the workspace libraries it uses
 *   package.json                  the workspace's (the controller reads its version from it)
 *
 * packed as one deterministic tar.gz (sorted, mtime 0, owner 0): the same inputs give the same
 * sha256, which the VM checks before it installs and which the tool compares on a re-run.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface ControllerRelease {
  file: string;
  sha256: string;
  bytes: number;
  nodeVersion: string;
}

export class ReleaseError extends Error {
  constructor(problem: string, hint: string) {
    super(`controller release: ${problem}\n  ${hint}`);
    this.name = 'ReleaseError';
  }
}

/** Workspace libraries the built controller requires at run time. */
const WORKSPACE_LIBS = ['openstack-client', 'golden-image'];

export function buildControllerRelease(
  workspaceRoot: string,
  nodeBinary: string,
  outDir: string,
): ControllerRelease {
  const controllerMain = path.join(workspaceRoot, 'dist/apps/controller/main.js');
  if (!fs.existsSync(controllerMain))
    throw new ReleaseError(
      `${controllerMain} is missing`,
      'Build it first: npx nx build controller (nx run tools:deploy-controller does).',
    );
  const nodeVersion =
    spawnSync(nodeBinary, ['--version'], { encoding: 'utf8' }).stdout?.trim() ?? '';
  if (!/^v(2\d|[3-9]\d)\./.test(nodeVersion))
    throw new ReleaseError(
      `--node-binary ${nodeBinary} is ${nodeVersion || 'not runnable'}`,
      'The controller needs Node 20 or newer (a linux-x64 build from nodejs.org runs on Ubuntu 22.04/24.04).',
    );

  const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'osa-release-'));
  try {
    const link = (target: string, at: string): void => {
      fs.mkdirSync(path.dirname(path.join(staging, at)), { recursive: true });
      fs.symlinkSync(target, path.join(staging, at));
    };
    link(path.join(workspaceRoot, 'package.json'), 'package.json');
    link(nodeBinary, 'bin/node');
    link(path.join(workspaceRoot, 'dist/apps/controller'), 'dist/apps/controller');
    for (const dir of productionPackages(workspaceRoot)) link(path.join(workspaceRoot, dir), dir);
    for (const lib of WORKSPACE_LIBS) {
      const libDir = path.join(workspaceRoot, 'libs', lib);
      if (!fs.existsSync(path.join(libDir, 'dist')))
        throw new ReleaseError(`libs/${lib}/dist is missing`, `Build it: npx nx build ${lib}.`);
      link(path.join(libDir, 'package.json'), `node_modules/@osa/${lib}/package.json`);
      link(path.join(libDir, 'dist'), `node_modules/@osa/${lib}/dist`);
    }
    fs.mkdirSync(outDir, { recursive: true });
    const file = path.join(outDir, 'controller-release.tar.gz');
    // Written aside, then renamed: a concurrent deploy never reads half a file.
    const partial = `${file}.${process.pid}.partial`;
    // -h: follow the staging links; sorted, no times, no owners, gzip -n: reproducible bytes.
    const tar = spawnSync(
      'tar',
      [
        '-h',
        '--sort=name',
        '--mtime=@0',
        '--owner=0',
        '--group=0',
        '--numeric-owner',
        '-I',
        'gzip -n -1',
        '-cf',
        partial,
        '-C',
        staging,
        '.',
      ],
      { encoding: 'utf8' },
    );
    if (tar.status !== 0) {
      fs.rmSync(partial, { force: true });
      throw new ReleaseError(
        `tar failed: ${tar.stderr || tar.error?.message}`,
        'GNU tar and gzip are needed on this machine.',
      );
    }
    fs.renameSync(partial, file);
    return { file, sha256: sha256File(file), bytes: fs.statSync(file).size, nodeVersion };
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/** Top-level node_modules/<pkg> of the production dependency tree (nested ones come with them). */
export function productionPackages(workspaceRoot: string): string[] {
  let out: string;
  try {
    out = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], {
      cwd: workspaceRoot,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    // npm ls exits 1 on extraneous/missing packages but still prints the tree.
    out = (error as { stdout?: string }).stdout ?? '';
  }
  const top = new Set<string>();
  for (const line of out.split('\n')) {
    const rel = path.relative(workspaceRoot, line.trim());
    const m = /^node_modules\/((?:@[^/]+\/)?[^/]+)$/.exec(rel.split(path.sep).join('/'));
    if (m && !m[1].startsWith('@osa/')) top.add(`node_modules/${m[1]}`);
  }
  if (top.size === 0)
    throw new ReleaseError(
      'npm ls --omit=dev listed no production packages',
      'Run npm ci in the workspace first.',
    );
  return [...top].sort();
}

export function sha256File(file: string): string {
  const hash = createHash('sha256');
  const fd = fs.openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(1 << 20);
    for (;;) {
      const n = fs.readSync(fd, buffer, 0, buffer.length, null);
      if (n === 0) break;
      hash.update(buffer.subarray(0, n));
    }
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}
