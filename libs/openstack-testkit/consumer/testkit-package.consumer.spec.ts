// The testkit as someone outside this repository receives it: packed, installed from its tarball
// (with the client's, which the README's test uses) into a new project under the OS temp
// directory, and there the README's ten-line test runs under `node --test` exactly as printed.
// Run by `nx consumer-test openstack-testkit` (part of `npm test`), after both libraries are built.
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const WORKSPACE = path.resolve(__dirname, '../../..');
const README = path.join(__dirname, '..', 'README.md');

interface InstalledPackage {
  name: string;
  problems: string[];
}

/** The fenced block right after the README's `<!-- consumer-test: ten-line-test -->` marker. */
function readmeTenLineTest(): string {
  const found = /<!-- consumer-test: ten-line-test -->\s*```js\n([\s\S]*?)```/.exec(
    fs.readFileSync(README, 'utf8'),
  );
  if (!found) throw new Error(`${README} has no ten-line test after its consumer-test marker`);
  return found[1];
}

describe('@osa/openstack-testkit installed from its tarball outside the workspace', () => {
  let projectDir: string;
  let testkit: InstalledPackage;

  beforeAll(() => {
    projectDir = fs.mkdtempSync(path.join(os.tmpdir(), 'osa-testkit-consumer-'));
    const out = execFileSync(
      process.execPath,
      [
        'tools/packaging/install-tarballs.mjs',
        projectDir,
        'libs/openstack-testkit',
        'libs/openstack-client',
      ],
      { cwd: WORKSPACE, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 240_000 },
    );
    const installed = JSON.parse(out) as { packages: InstalledPackage[] };
    testkit = installed.packages.find((p) => p.name === '@osa/openstack-testkit')!;
  }, 300_000);
  afterAll(() => {
    if (projectDir) fs.rmSync(projectDir, { recursive: true, force: true });
  });

  it('the tarball holds its entry points and README only, and declares every module its code requires', () => {
    // dist/fixtures/ stays: it is runtime code (the API reference payloads the fake answers with).
    expect(testkit.problems).toEqual([]);
  });

  it("runs the README's ten-line test with node --test", async () => {
    const test = readmeTenLineTest();
    expect(test.trim().split('\n').length).toBeLessThanOrEqual(17); // four imports, then a test of ten lines or so
    fs.writeFileSync(path.join(projectDir, 'ten-line.test.mjs'), test);
    const { stdout } = await run(process.execPath, ['--test', 'ten-line.test.mjs'], {
      cwd: projectDir,
      timeout: 120_000,
    }).catch((err: { stdout?: string; message: string }) => {
      throw new Error(`node --test failed:\n${err.stdout ?? err.message}`);
    });
    expect(stdout).toMatch(/^# pass 1$/m);
    expect(stdout).toMatch(/^# fail 0$/m);
  });
});
