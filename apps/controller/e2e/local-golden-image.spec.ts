import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { ControllerProcess, SERVICE_BUNDLE, WORKSPACE_ROOT } from './support/controller-process';
import { ownLoopbackPrefix } from './support/loopback';
import { isAlive, killIfAlive, waitUntilGone } from './support/process-tree';
import { runSeedLoadLoop } from './support/seed-load-loop';
import { LOGGED } from './support/log-lines';

/** The built bake tool, as `nx run tools:bake-image` runs it (the test target depends on tools:build). */
const BAKE_CLI = path.join(WORKSPACE_ROOT, 'dist/tools/bake-image/main.js');

/** Runs a local bake; returns the baked image id and the controller config lines its summary printed. */
async function bakeLocal(
  imagesDir: string,
  bundle: string,
): Promise<{
  imageId: string;
  printedConfig: { provider: { kind: string; local: Record<string, unknown> } };
}> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      BAKE_CLI,
      '--provider=local',
      `--images-dir=${imagesDir}`,
      `--bundle=${bundle}`,
      '--service-version=7.7.7',
    ],
    {
      cwd: WORKSPACE_ROOT,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      timeout: 60_000,
    },
  );
  const imageId = stdout.match(/image id: +(\S+)/)?.[1];
  if (!imageId) throw new Error(`no image id in the bake summary:\n${stdout}`);
  const lines = stdout.split('\n');
  const start = lines.findIndex((line) => line.includes('controller config (controller.yaml):'));
  const block = lines
    .slice(start + 1)
    .filter((line) => line.startsWith('    '))
    .map((line) => line.slice(4));
  return { imageId, printedConfig: parse(block.join('\n')) };
}

/** The script a process runs (its last argument; node options come before it), from /proc: what the instance really booted. */
function scriptOf(pid: number): string {
  return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).at(-1) ?? '';
}

describe('local bake, then the controller serving and scaling from that golden image (built tools and controller as real processes)', () => {
  jest.setTimeout(120_000);
  let dir: string;
  let controller: ControllerProcess | undefined;
  let pidsToReap: number[] = [];

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'golden-e2e-'));
  });
  afterEach(async () => {
    await controller?.stop();
    killIfAlive(pidsToReap);
    controller = undefined;
    pidsToReap = [];
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('boots the original from the baked image, and a re-bake while running is what the next scale-out boots', async () => {
    if (!fs.existsSync(BAKE_CLI))
      throw new Error(`${BAKE_CLI} is missing: run \`npx nx run tools:build\` first`);
    const imagesDir = path.join(dir, 'images');
    const first = await bakeLocal(imagesDir, SERVICE_BUNDLE);

    // The controller config is exactly what the bake printed, plus this test's addresses. The
    // built-bundle fallback points at nothing: if the image were not used, no instance could start.
    expect(first.printedConfig.provider).toEqual({
      kind: 'local',
      local: { imagesDir, image: 'service-golden' },
    });
    const prefix = ownLoopbackPrefix();
    controller = ControllerProcess.start({
      proxy: { listenHost: `${prefix}.200`, listenPort: 0 },
      admin: { listenHost: `${prefix}.201`, listenPort: 0 },
      provider: {
        ...first.printedConfig.provider,
        local: {
          ...first.printedConfig.provider.local,
          bundlePath: path.join(dir, 'never-built.js'),
          firstAddress: `${prefix}.1`,
          bootDelayMs: 500,
          stopGraceMs: 3000,
        },
      },
      scaling: { thresholdRequests: 3 },
      health: { intervalMs: 200 },
    });
    const { proxy } = await controller.addresses();
    const original = await controller.waitForLine(
      /service-vm-1 starting: pid (\d+) .* from golden image (\S+) \("service-golden", service 7\.7\.7, baked /,
      20_000,
    );
    expect(original[2]).toBe(first.imageId);
    expect(scriptOf(Number(original[1]))).toBe(path.join(imagesDir, first.imageId, 'main.js'));
    await controller.waitForLog(LOGGED.originalAdmitted, 20_000);

    // The service changed and was baked again (a different bundle, so a different sha256).
    const changedBundle = path.join(dir, 'service-v2.js');
    fs.writeFileSync(changedBundle, `${fs.readFileSync(SERVICE_BUNDLE, 'utf8')}\n// v2\n`);
    const second = await bakeLocal(imagesDir, changedBundle);
    expect(second.imageId).not.toBe(first.imageId);

    const cloneAddress = `${prefix}.2:5000`;
    const responses = await runSeedLoadLoop({
      host: proxy.host,
      port: proxy.port,
      pauseMs: 100,
      maxRequests: 150,
      maxDurationMs: 45_000,
      until: (seen) => seen.some((response) => response.instanceAddress === cloneAddress),
    });
    expect(
      responses.slice(0, 2).map((response) => [response.status, response.instanceAddress]),
    ).toEqual([
      [200, `${prefix}.1:5000`],
      [200, `${prefix}.1:5000`],
    ]);
    expect(responses.at(-1)).toMatchObject({ status: 200, instanceAddress: cloneAddress });

    const clone = await controller.waitForLine(
      /(service-auto-\S+) starting: pid (\d+) .* from golden image (\S+) /,
      5_000,
    );
    expect(clone[3]).toBe(second.imageId);
    const clonePid = Number(clone[2]);
    expect(scriptOf(clonePid)).toBe(path.join(imagesDir, second.imageId, 'main.js'));
    expect(fs.readFileSync(scriptOf(clonePid), 'utf8')).toMatch(/\/\/ v2\n$/);
    // The original keeps running the image it booted from.
    expect(scriptOf(Number(original[1]))).toBe(path.join(imagesDir, first.imageId, 'main.js'));

    const children = [Number(original[1]), clonePid];
    pidsToReap = children;
    expect(await controller.stop()).toEqual({ code: 0, signal: null });
    expect(await waitUntilGone(children, 5_000)).toEqual([]);
    expect(children.some(isAlive)).toBe(false);
    // Both golden images are still in the store: serving never consumes or changes an image.
    expect(fs.readdirSync(imagesDir).sort()).toEqual([first.imageId, second.imageId].sort());
  });
});
