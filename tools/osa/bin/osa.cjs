#!/usr/bin/env node
// `npx osa ...` (root package.json "bin") and `nx run tools:osa -- ...`.
// Runs the CLI from its TypeScript sources without a build step: esbuild (a workspace
// devDependency) bundles tools/osa/main.ts once into node_modules/.cache/osa and again
// whenever a source file is newer than the bundle.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const sourceDir = path.join(__dirname, '..');
const root = path.join(sourceDir, '..', '..');
const bundle = path.join(root, 'node_modules', '.cache', 'osa', 'osa.cjs');

function newestSourceMs() {
  return Math.max(
    ...fs
      .readdirSync(sourceDir)
      .filter((name) => name.endsWith('.ts') && !name.endsWith('.spec.ts'))
      .map((name) => fs.statSync(path.join(sourceDir, name)).mtimeMs),
  );
}

if (!fs.existsSync(bundle) || fs.statSync(bundle).mtimeMs < newestSourceMs()) {
  fs.mkdirSync(path.dirname(bundle), { recursive: true });
  const partial = `${bundle}.${process.pid}.tmp`;
  require('esbuild').buildSync({
    entryPoints: [path.join(sourceDir, 'main.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile: partial,
    logLevel: 'error',
  });
  fs.renameSync(partial, bundle);
}

require(bundle)
  .main(process.argv.slice(2), process.env)
  .then((code) => {
    process.exitCode = code;
  });
