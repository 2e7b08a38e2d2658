import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { listLocalGoldenImages, selectGoldenImage } from '@osa/golden-image';
import { parse } from 'yaml';
import { runBake, SERVICE_BUNDLE } from '../test-support/bake-cli';
import { freeLoopbackPort } from './service-bundle';

const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/** The YAML block the summary prints under "controller config", parsed. */
function controllerConfigOf(stdout: string): {
  provider: { kind: string; local: { imagesDir: string; image: string } };
} {
  const lines = stdout.split('\n');
  const start = lines.findIndex((l) => l.includes('controller config (controller.yaml):'));
  expect(start).toBeGreaterThan(-1);
  const block = lines
    .slice(start + 1)
    .filter((l) => l.startsWith('    '))
    .map((l) => l.slice(4));
  return parse(block.join('\n'));
}

function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

describe('bake-image --provider=local (the built CLI, end to end)', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bake-local-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("writes a golden image the controller's rule picks, with provenance, and prints the config lines", async () => {
    const imagesDir = path.join(dir, 'images');
    const run = await runBake([
      '--provider=local',
      `--images-dir=${imagesDir}`,
      '--service-version=9.9.9',
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);

    const images = listLocalGoldenImages(imagesDir);
    expect(images).toHaveLength(1);
    const [image] = images;
    expect(image.name).toBe('service-golden');
    expect(image.status).toBe('active');
    expect(fs.readFileSync(image.bundlePath).equals(fs.readFileSync(SERVICE_BUNDLE))).toBe(true);
    expect(image.properties).toEqual({
      osa_role: 'golden-image',
      osa_service_version: '9.9.9',
      osa_bundle_sha256: sha256(SERVICE_BUNDLE),
      osa_source_server_id: 'local',
      osa_baked_at: image.createdAt,
    });
    expect(run.stdout).toContain(`image id:     ${image.id}`);
    expect(run.stdout).toMatch(
      /check-bundle: \d+ bytes, sha256 [0-9a-f]{64}; http:\/\/127\.0\.0\.1:\d+\/healthz healthy/,
    );
    expect(run.stdout).toMatch(/ {4}check-bundle +\d/);
    expect(run.stdout).toMatch(/ {4}write-image +\d/);
    const config = controllerConfigOf(run.stdout);
    expect(config.provider.kind).toBe('local');
    expect(config.provider.local).toEqual({ imagesDir, image: 'service-golden' });
    expect(run.stdout).toContain(`# imageId: ${image.id}  # or pin exactly this bake`);
  });

  it('re-bakes next to the old image, the newest wins, --prune keeps the newest N', async () => {
    const imagesDir = path.join(dir, 'images');
    const args = ['--provider=local', `--images-dir=${imagesDir}`];
    for (let i = 0; i < 3; i++) expect((await runBake(args)).code).toBe(0);
    const three = listLocalGoldenImages(imagesDir);
    expect(three).toHaveLength(3);
    const newest = [...three].sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0];
    expect(selectGoldenImage(three, { name: 'service-golden' }).id).toBe(newest.id);

    const pruned = await runBake([...args, '--prune=2']);
    expect(pruned.code).toBe(0);
    const left = listLocalGoldenImages(imagesDir);
    expect(left).toHaveLength(2);
    const latest = selectGoldenImage(left, { name: 'service-golden' });
    expect(pruned.stdout).toContain(`image id:     ${latest.id}`);
    expect(left.map((i) => i.id)).toContain(newest.id);
    const deleted = three.filter((i) => !left.some((l) => l.id === i.id)).map((i) => i.id);
    expect(deleted).toHaveLength(2);
    const prunedLine = pruned.stdout.split('\n').find((l) => l.includes('pruned:'));
    expect(prunedLine?.split('pruned:')[1].trim().split(', ').sort()).toEqual(deleted.sort());
  });

  it('the baked image boots: its bundle serves /work on its own loopback address', async () => {
    const imagesDir = path.join(dir, 'images');
    expect((await runBake(['--provider=local', `--images-dir=${imagesDir}`])).code).toBe(0);
    const [image] = listLocalGoldenImages(imagesDir);
    const host = '127.0.10.77';
    const port = await freeLoopbackPort(host);
    const child = spawn(process.execPath, [image.bundlePath], {
      env: { ...process.env, HOST: host, PORT: String(port), WORK_DELAY_MS: '0' },
      stdio: 'ignore',
    });
    try {
      let answer: { status: number; body: string } | undefined;
      for (let i = 0; i < 100 && !answer; i++) {
        answer = await get(`http://${host}:${port}/work`).catch(() => undefined);
        if (!answer) await new Promise((r) => setTimeout(r, 50));
      }
      expect(answer?.status).toBe(200);
      expect(answer?.body).toMatch(/^hello 1 from /);
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('fails clearly: a missing bundle names the path and the build command; bad flags exit 2', async () => {
    const missing = await runBake([
      '--provider=local',
      `--images-dir=${dir}`,
      `--bundle=${path.join(dir, 'nope.js')}`,
    ]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`service bundle ${path.join(dir, 'nope.js')}: does not exist`);
    expect(missing.stderr).toContain('npx nx build service');
    expect(fs.readdirSync(dir)).toEqual([]);

    const broken = path.join(dir, 'broken.js');
    fs.writeFileSync(broken, 'process.exit(3)\n');
    const crashed = await runBake([
      '--provider=local',
      `--images-dir=${path.join(dir, 'images')}`,
      `--bundle=${broken}`,
    ]);
    expect(crashed.code).toBe(1);
    expect(crashed.stderr).toMatch(/smoke test process stopped \(exit code 3\)/);
    expect(fs.existsSync(path.join(dir, 'images'))).toBe(false);

    const usage = await runBake(['--provider=local', '--readiness=health', '--prune=-1']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain(
      '--prune="-1": not a whole number (allowed: a whole number from 1 to 1000)',
    );
    expect(usage.stderr).toContain('--readiness: only applies to --provider=openstack');
  });
});
