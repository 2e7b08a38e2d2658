#!/usr/bin/env node
// Installs built workspace libraries the way someone outside this repository receives them:
// `npm pack` of each library, then `npm install` of those tarballs (and nothing from the
// workspace) into a new project under the OS temp directory, where no hoisted node_modules of the
// workspace can be found. Prints one JSON object on stdout: the project directory and, per
// package, the tarball's file listing as npm reports it, the files that do not belong in a package
// (`unexpectedFiles`: anything but package.json, the README and dist/, and any test, fixture,
// build info or test source map) and the modules its code requires that its package.json does not
// declare (`undeclared`); `problems` says all of that, and every file that package.json's main,
// types or exports names but the tarball lacks, one line each. It must be empty.
//   usage: node tools/packaging/install-tarballs.mjs <projectDir> libs/<a> [libs/<b> ...] [-- extra-npm-package ...]
// The consumer-test suites (libs/*/consumer/) run it; it is a script so that both libraries'
// suites can use it without importing one project from another.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { builtinModules } from 'node:module';
import * as path from 'node:path';

const args = process.argv.slice(2);
const split = args.indexOf('--');
const [projectDir, ...libDirs] = split === -1 ? args : args.slice(0, split);
const extraPackages = split === -1 ? [] : args.slice(split + 1);
if (!projectDir || libDirs.length === 0) {
  console.error(
    'usage: node tools/packaging/install-tarballs.mjs <projectDir> libs/<a> [libs/<b> ...] [-- extra-npm-package ...]',
  );
  process.exit(2);
}

const log = (line) => process.stderr.write(`[install-tarballs] ${line}\n`);
const npm = (cwd, npmArgs) =>
  execFileSync('npm', npmArgs, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });

const project = path.resolve(projectDir);
refuseHoistedModules(project);
const tarballDir = path.join(project, 'tarballs');
fs.mkdirSync(tarballDir, { recursive: true });

const packages = libDirs.map((libDir) => {
  const lib = path.resolve(libDir);
  if (!fs.existsSync(path.join(lib, 'dist', 'index.js')))
    throw new Error(`${libDir}/dist/index.js is missing: build the library first`);
  const [packed] = JSON.parse(
    npm(lib, ['pack', '--json', '--ignore-scripts', '--pack-destination', tarballDir]),
  );
  log(`packed ${packed.filename}: ${packed.entryCount} files, ${packed.size} bytes`);
  return {
    name: packed.name,
    version: packed.version,
    tarball: path.join(tarballDir, packed.filename),
    files: packed.files.map((file) => file.path),
    unexpectedFiles: packed.files.map((file) => file.path).filter(isUnexpectedInTarball),
  };
});

fs.writeFileSync(
  path.join(project, 'package.json'),
  JSON.stringify({ name: 'osa-tarball-consumer', version: '0.0.0', private: true }, null, 2),
);
const started = Date.now();
npm(project, [
  'install',
  '--prefer-offline',
  '--no-audit',
  '--no-fund',
  '--ignore-scripts',
  '--no-package-lock',
  ...packages.map((p) => p.tarball),
  ...extraPackages,
]);
log(
  `npm install of ${packages.length} tarballs + ${extraPackages.length} packages in ${Date.now() - started} ms`,
);
for (const pkg of packages) {
  const installed = path.join(project, 'node_modules', pkg.name);
  pkg.undeclared = undeclaredRequires(installed);
  pkg.problems = [
    ...pkg.unexpectedFiles.map((file) => `${file}: does not belong in the tarball`),
    ...missingEntryPoints(installed, pkg.files).map(
      (file) => `${file}: named by package.json, missing from the tarball`,
    ),
    ...pkg.undeclared.map(
      ({ name, requiredBy }) => `${name}: required by ${requiredBy}, not declared in package.json`,
    ),
  ];
}
process.stdout.write(`${JSON.stringify({ projectDir: project, packages })}\n`);

/**
 * Bare module names that the installed package's JavaScript requires but its package.json does
 * not declare (dependencies, peerDependencies or optionalDependencies), each with one file that
 * requires it. Inside the workspace such a module is found in the root node_modules; outside it,
 * the require fails at run time.
 */
function undeclaredRequires(packageDir) {
  const manifest = JSON.parse(fs.readFileSync(path.join(packageDir, 'package.json'), 'utf8'));
  const declared = new Set(
    ['dependencies', 'peerDependencies', 'optionalDependencies'].flatMap((field) =>
      Object.keys(manifest[field] ?? {}),
    ),
  );
  const builtins = new Set(builtinModules);
  const found = new Map();
  for (const file of jsFiles(packageDir)) {
    for (const [, specifier] of fs
      .readFileSync(file, 'utf8')
      .matchAll(/\brequire\(["']([^"']+)["']\)/g)) {
      if (specifier.startsWith('.') || specifier.startsWith('node:') || builtins.has(specifier))
        continue;
      const parts = specifier.split('/');
      const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
      if (!declared.has(name) && !found.has(name)) found.set(name, path.relative(packageDir, file));
    }
  }
  return [...found].map(([name, requiredBy]) => ({ name, requiredBy }));
}

function* jsFiles(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== 'node_modules') yield* jsFiles(full);
    else if (entry.isFile() && /\.(c|m)?js$/.test(entry.name)) yield full;
  }
}

/** Files named by main, types and every condition of exports that the tarball does not hold. */
function missingEntryPoints(packageDir, files) {
  const manifest = JSON.parse(fs.readFileSync(path.join(packageDir, 'package.json'), 'utf8'));
  const named = [];
  const collect = (target) => {
    if (typeof target === 'string') named.push(path.posix.normalize(target));
    else if (target && typeof target === 'object') Object.values(target).forEach(collect);
  };
  collect([manifest.main, manifest.types, manifest.exports]);
  return [...new Set(named)].filter((file) => !files.includes(file));
}

/** Only the build and the front page ship; no tests, fixtures, build info or their source maps. */
function isUnexpectedInTarball(file) {
  if (!(file === 'package.json' || file === 'README.md' || file.startsWith('dist/'))) return true;
  return /(\.(spec|test)\.|\.fixture\.|__fixtures__\/|\.tsbuildinfo$|(^|\/)(e2e|acceptance|consumer|test-support|examples)\/)/.test(
    file,
  );
}

/** A node_modules in an ancestor would let the installed packages borrow what they do not declare. */
function refuseHoistedModules(dir) {
  for (let parent = path.dirname(dir); ; parent = path.dirname(parent)) {
    if (fs.existsSync(path.join(parent, 'node_modules')))
      throw new Error(
        `${parent}/node_modules exists: packages installed in ${dir} could resolve modules from it; use another directory`,
      );
    if (path.dirname(parent) === parent) return;
  }
}
