// The client as someone outside this repository receives it: the built package is packed, the
// tarball (with the testkit's) installed into a new project under the OS temp directory with
// nothing from the workspace, and used there: require, import, a strict TypeScript consumer under
// node16 and bundler resolution, and a program that creates, waits for, addresses and deletes a
// server on the fake cloud (and on the real cloud when OS_CLOUD is set). Run by `nx consumer-test
// openstack-client` (part of `npm test`), after the libraries are built.
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { ACCEPTANCE_NAME_PREFIX } from '@osa/openstack-testkit';
import { OpenStackClient } from '../src';

const run = promisify(execFile);
const WORKSPACE = path.resolve(__dirname, '../../..');
const TSC = path.join(WORKSPACE, 'node_modules/typescript/bin/tsc');
/** The @types/node of the workspace lock: a TypeScript consumer installs it (the optional peer). */
const TYPES_NODE = `@types/node@${readJson(path.join(WORKSPACE, 'node_modules/@types/node/package.json')).version}`;
const CLOUD_CONFIGURED = Boolean(process.env['OS_CLOUD']);

interface InstalledPackage {
  name: string;
  version: string;
  problems: string[];
}

describe('@osa/openstack-client installed from its tarball outside the workspace', () => {
  let projectDir: string;
  let client: InstalledPackage;

  /** Runs node (or tsc) in the consumer project with only the environment a user would have. */
  async function inProject(
    args: string[],
    env: NodeJS.ProcessEnv = {},
  ): Promise<{ stdout: string; stderr: string }> {
    const base: NodeJS.ProcessEnv = {};
    for (const [key, value] of Object.entries(process.env))
      if (!key.startsWith('OS_') && !key.startsWith('NODE_') && !key.startsWith('JEST'))
        base[key] = value;
    try {
      return await run(process.execPath, args, {
        cwd: projectDir,
        env: { ...base, ...env },
        timeout: 240_000,
      });
    } catch (err) {
      const failed = err as { stdout?: string; stderr?: string; message: string };
      throw new Error(
        `${args.join(' ')} failed:\n${failed.stdout ?? ''}${failed.stderr ?? failed.message}`,
      );
    }
  }

  beforeAll(() => {
    projectDir = fs.mkdtempSync(path.join(os.tmpdir(), 'osa-client-consumer-'));
    const out = execFileSync(
      process.execPath,
      [
        'tools/packaging/install-tarballs.mjs',
        projectDir,
        'libs/openstack-client',
        'libs/openstack-testkit',
        '--',
        TYPES_NODE,
      ],
      { cwd: WORKSPACE, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 240_000 },
    );
    const installed = JSON.parse(out) as { packages: InstalledPackage[] };
    client = installed.packages.find((p) => p.name === '@osa/openstack-client')!;
    for (const file of fs.readdirSync(path.join(__dirname, 'project')))
      fs.copyFileSync(path.join(__dirname, 'project', file), path.join(projectDir, file));
    fs.writeFileSync(path.join(projectDir, 'readme-example.mts'), readmeExample());
  }, 300_000);
  afterAll(() => {
    if (projectDir) fs.rmSync(projectDir, { recursive: true, force: true });
  });

  it('the tarball holds its entry points and README only, and declares every module its code requires', () => {
    expect(client.problems).toEqual([]);
  });

  it('loads with require() and with import, and both give the same classes', async () => {
    const { stdout } = await inProject([
      '--input-type=module',
      '-e',
      [
        "import { createRequire } from 'node:module';",
        "import * as esm from '@osa/openstack-client';",
        "const cjs = createRequire(process.cwd() + '/').call(null, '@osa/openstack-client');",
        'console.log(JSON.stringify({',
        '  version: cjs.CLIENT_VERSION,',
        '  esmNames: Object.keys(esm).length, cjsNames: Object.keys(cjs).length,',
        '  sameClass: esm.NotFoundError === cjs.NotFoundError && esm.OpenStackClient === cjs.OpenStackClient,',
        '}));',
      ].join('\n'),
    ]);
    const seen = JSON.parse(stdout) as Record<string, unknown>;
    expect(seen).toMatchObject({ version: client.version, sameClass: true });
    expect(seen.esmNames).toBe(seen.cjsNames);
  });

  it("type-checks a strict consumer and the README's example under node16 (ESM .mts, CommonJS .cts) and bundler resolution", async () => {
    await inProject([TSC, '-p', 'tsconfig.node16.json']);
    await inProject([TSC, '-p', 'tsconfig.bundler.json']);
    const { stdout } = await inProject([
      '-e',
      "console.log(require('./out/require-check.cjs').summary)",
    ]);
    expect(stdout.trim()).toBe(`${client.version} function true *** 10000 function`);
  });

  it('creates a server on the fake cloud (the tarball testkit), waits for ACTIVE, reads its address, deletes it', async () => {
    const { stdout, stderr } = await inProject(['out/server-roundtrip.mjs']);
    const result = JSON.parse(stdout) as { id: string; status: string; address: string };
    expect(result).toMatchObject({ name: 'consumer-vm', status: 'ACTIVE' });
    expect(result.address).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(stderr).toContain(`[consumer] deleted ${result.id}`);
  });

  const withCloud = CLOUD_CONFIGURED ? it : it.skip;
  if (!CLOUD_CONFIGURED)
    process.stderr.write(
      '[acceptance] SKIPPED "the consumer program on a real cloud": OS_CLOUD is not set (see docs/testing.md)\n',
    );
  withCloud(
    `runs the same program on the real cloud named by OS_CLOUD${CLOUD_CONFIGURED ? '' : ' [skipped: OS_CLOUD is not set]'}`,
    async () => {
      const name = `${ACCEPTANCE_NAME_PREFIX}${randomBytes(3).toString('hex')}-consumer`;
      try {
        const { stdout } = await inProject(['out/server-roundtrip.mjs'], {
          CONSUMER_SERVER_NAME: name,
          ...pick(process.env, /^(OS_|OSA_ACC_)/),
        });
        expect(JSON.parse(stdout)).toMatchObject({ name, status: 'ACTIVE' });
      } finally {
        await deleteLeftovers(name); // the program deletes its server; this covers a crash in it
      }
    },
    420_000,
  );
});

/** Deletes (and waits out) any server named `name` that a failed run left on the real cloud. */
async function deleteLeftovers(name: string): Promise<void> {
  const cloud = OpenStackClient.fromEnvironment();
  try {
    for await (const server of cloud.compute.servers.list({ exactName: name })) {
      await cloud.compute.servers.delete(server.id);
      await cloud.compute.servers.waitForDeleted(server.id, { timeoutMs: 120_000 });
    }
  } finally {
    cloud.close();
  }
}

/** The README's example (the fenced block after `<!-- consumer-test: type-check -->`), so it stays true. */
function readmeExample(): string {
  const readme = path.join(__dirname, '..', 'README.md');
  const found = /<!-- consumer-test: type-check -->\s*```ts\n([\s\S]*?)```/.exec(
    fs.readFileSync(readme, 'utf8'),
  );
  if (!found) throw new Error(`${readme} has no example after its consumer-test marker`);
  return `${found[1]}\nexport {};\n`;
}

function pick(env: NodeJS.ProcessEnv, pattern: RegExp): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([key]) => pattern.test(key)));
}

function readJson(file: string): { version: string } {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string };
}
