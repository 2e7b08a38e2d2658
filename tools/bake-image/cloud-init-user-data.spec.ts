import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parse } from 'yaml';
import {
  base64Length,
  buildCloudInitUserData,
  BUNDLE_PATH_IN_VM,
  NOVA_USER_DATA_LIMIT_BYTES,
  READY_CHECK_PATH_IN_VM,
  readConsoleVerdict,
  UNIT_PATH_IN_VM,
  UserDataTooLargeError,
} from './cloud-init-user-data';

const workspaceRoot = path.resolve(__dirname, '../..');
const bundlePath = path.join(workspaceRoot, 'dist/apps/service/main.js');
const unitPath = path.join(workspaceRoot, 'apps/service/deploy/service-app.service');

interface CloudConfig {
  package_update: boolean;
  packages: string[];
  write_files: { path: string; content: string; encoding?: string; permissions: string }[];
  runcmd: string[][];
}

function build(bundle = fs.readFileSync(bundlePath), bakeId = 'abc123-def') {
  return buildCloudInitUserData({
    bundle,
    unitText: fs.readFileSync(unitPath, 'utf8'),
    bakeId,
    servicePort: 5000,
    healthPath: '/healthz',
  });
}

describe('cloud-init user data for the real service bundle', () => {
  const userData = build();
  const doc = parse(userData.text) as CloudConfig;
  const file = (p: string) => doc.write_files.find((f) => f.path === p)!;

  it('is a #cloud-config that installs nodejs from the distribution and writes bundle, unit and script', () => {
    expect(userData.text.startsWith('#cloud-config\n')).toBe(true);
    expect(doc.package_update).toBe(true);
    expect(doc.packages).toEqual(['nodejs', 'curl']);
    expect(doc.write_files.map((f) => f.path)).toEqual([
      BUNDLE_PATH_IN_VM,
      UNIT_PATH_IN_VM,
      READY_CHECK_PATH_IN_VM,
    ]);
    const bundle = file(BUNDLE_PATH_IN_VM);
    expect(bundle.encoding).toBe('gz+b64');
    expect(
      gunzipSync(Buffer.from(bundle.content, 'base64')).equals(fs.readFileSync(bundlePath)),
    ).toBe(true);
    expect(file(UNIT_PATH_IN_VM).content).toBe(fs.readFileSync(unitPath, 'utf8'));
    expect(file(READY_CHECK_PATH_IN_VM)).toMatchObject({
      content: userData.readyCheckScript,
      permissions: '0755',
    });
    expect(doc.runcmd).toEqual([['bash', READY_CHECK_PATH_IN_VM]]);
  });

  it("reports its sizes and fits well inside Nova's 65,535-byte limit after base64", () => {
    const s = userData.sizes;
    expect(s.bundleBytes).toBe(fs.statSync(bundlePath).size);
    expect(s.userDataBytes).toBe(Buffer.byteLength(userData.text));
    expect(s.base64Bytes).toBe(Buffer.from(userData.text).toString('base64').length);
    expect(s.base64Bytes).toBeLessThan(NOVA_USER_DATA_LIMIT_BYTES);
    expect(s.limitBytes).toBe(65_535);
  });

  it('has a ready-check script that bash -n accepts', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bake-ud-'));
    try {
      const script = path.join(dir, 'ready-check.sh');
      fs.writeFileSync(script, userData.readyCheckScript);
      const result = spawnSync('bash', ['-n', script], { encoding: 'utf8' });
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('never contains the assembled ready marker itself (only the VM can print it)', () => {
    expect(userData.readyLine).toBe('OSA-BAKE-READY:abc123-def');
    expect(userData.text).not.toContain(userData.readyLine);
    expect(userData.text).not.toContain(userData.failedLine);
  });
});

/** Runs the ready-check script with stub systemctl/curl/node on PATH and a file as the console. */
function runReadyCheck(options: {
  curlFailures: number;
  withNode: boolean;
  attempts?: number;
  /** What `systemctl is-active` answers (default activating). */
  unitState?: string;
}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bake-ready-'));
  try {
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    const stub = (name: string, body: string) =>
      fs.writeFileSync(path.join(bin, name), `#!/bin/bash\n${body}\n`, { mode: 0o755 });
    stub(
      'systemctl',
      `echo "systemctl $*" >> ${dir}/calls; if [ "$1" = is-active ]; then echo ${options.unitState ?? 'activating'}; fi`,
    );
    stub('journalctl', 'echo "service-app: listening"');
    stub('sleep', 'exit 0');
    stub(
      'curl',
      `n=$(cat ${dir}/curl-count 2>/dev/null || echo 0); echo $((n + 1)) > ${dir}/curl-count; [ "$n" -ge ${options.curlFailures} ]`,
    );
    if (options.withNode) stub('node', 'echo v10.19.0');
    for (const tool of ['tr', 'tail', 'cat'])
      fs.symlinkSync(
        execFileSync('bash', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim(),
        path.join(bin, tool),
      );
    const consoleFile = path.join(dir, 'console');
    const userData = buildCloudInitUserData({
      bundle: Buffer.from('x'),
      unitText: 'ExecStart=/usr/bin/node /opt/service/main.js\n',
      bakeId: 'test-bake-1',
      servicePort: 5000,
      healthPath: '/healthz',
      healthAttempts: options.attempts ?? 5,
    });
    // Never write to the machine's real console from a test.
    const script = userData.readyCheckScript.split('/dev/console').join(consoleFile);
    fs.writeFileSync(path.join(dir, 'ready-check.sh'), script);
    const result = spawnSync('/bin/bash', [path.join(dir, 'ready-check.sh')], {
      encoding: 'utf8',
      env: { PATH: bin },
    });
    const read = (f: string) =>
      fs.existsSync(path.join(dir, f)) ? fs.readFileSync(path.join(dir, f), 'utf8') : '';
    return {
      status: result.status,
      stdout: result.stdout,
      console: read('console'),
      calls: read('calls'),
      curls: Number(read('curl-count') || 0),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('the ready-check script, run for real with stubbed system tools', () => {
  it('starts the unit, retries the health check, then prints the ready marker on the console', () => {
    const run = runReadyCheck({ curlFailures: 2, withNode: true });
    expect(run.status).toBe(0);
    expect(run.calls).toBe(
      'systemctl daemon-reload\nsystemctl enable --now service-app.service\n' +
        'systemctl is-active service-app.service\n'.repeat(2),
    );
    expect(run.curls).toBe(3);
    expect(run.console).toBe(
      'OSA-BAKE-READY:test-bake-1 http://localhost:5000/healthz healthy after 3 attempt(s), node v10.19.0\n',
    );
    expect(readConsoleVerdict(`[  OK  ] boot\n${run.console}`, 'test-bake-1')).toEqual({
      kind: 'ready',
      line: 'OSA-BAKE-READY:test-bake-1 http://localhost:5000/healthz healthy after 3 attempt(s), node v10.19.0',
    });
  });

  it('prints the failed marker with a reason when the service never gets healthy', () => {
    const run = runReadyCheck({ curlFailures: 100, withNode: true, attempts: 3 });
    expect(run.status).toBe(1);
    expect(run.curls).toBe(3);
    expect(readConsoleVerdict(run.console, 'test-bake-1')).toEqual({
      kind: 'failed',
      reason: 'http://localhost:5000/healthz not healthy after 3 attempts: service-app: listening',
    });
  });

  it('fails at once, with the journal, when systemd gave up on the unit (it exits at every start)', () => {
    const run = runReadyCheck({
      curlFailures: 99,
      withNode: true,
      attempts: 50,
      unitState: 'failed',
    });
    expect(run.status).toBe(1);
    expect(run.curls).toBe(1);
    expect(run.console).toBe(
      'OSA-BAKE-FAILED:test-bake-1 service-app.service failed: service-app: listening \n',
    );
  });

  it('fails at once when node is missing (apt failed)', () => {
    const run = runReadyCheck({ curlFailures: 0, withNode: false });
    expect(run.status).toBe(1);
    expect(run.calls).toBe('');
    expect(readConsoleVerdict(run.console, 'test-bake-1')).toEqual({
      kind: 'failed',
      reason: 'node is not installed (apt package nodejs failed?)',
    });
  });
});

describe('size limit and console verdicts', () => {
  it('fails clearly, with every size, when the bundle does not fit after base64', () => {
    // Random bytes do not compress: ~50 KB gzipped grows to ~67 KB of base64 inside the YAML.
    let error: unknown;
    try {
      build(randomBytes(50_000));
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(UserDataTooLargeError);
    const sizes = (error as UserDataTooLargeError).sizes;
    expect(sizes.bundleBytes).toBe(50_000);
    expect(sizes.base64Bytes).toBeGreaterThan(NOVA_USER_DATA_LIMIT_BYTES);
    expect((error as Error).message).toContain(`${sizes.base64Bytes} bytes after base64`);
    expect((error as Error).message).toContain(
      `bundle 50000 bytes, ${sizes.bundleGzipBytes} gzipped`,
    );
    expect((error as Error).message).toContain("over Nova's limit of 65535 bytes");
  });

  it('accepts a bundle just under the limit (the check is on the base64 size, not the raw size)', () => {
    // Largest random bundle that still fits: found by bisection, then checked on both sides.
    let lo = 1_000;
    let hi = 60_000;
    const seed = randomBytes(hi);
    const fits = (n: number) => {
      try {
        build(seed.subarray(0, n));
        return true;
      } catch (err) {
        if (err instanceof UserDataTooLargeError) return false;
        throw err;
      }
    };
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (fits(mid)) lo = mid;
      else hi = mid;
    }
    const largest = build(seed.subarray(0, lo));
    expect(largest.sizes.base64Bytes).toBeLessThanOrEqual(NOVA_USER_DATA_LIMIT_BYTES);
    expect(largest.sizes.base64Bytes).toBeGreaterThan(NOVA_USER_DATA_LIMIT_BYTES - 200);
    expect(fits(lo + 1)).toBe(false);
  });

  it("computes base64 lengths and ignores other bakes' markers", () => {
    expect([0, 1, 2, 3, 4].map(base64Length)).toEqual([0, 4, 4, 4, 8]);
    const text = 'OSA-BAKE-READY:other-bake ok\nOSA-BAKE-FAILED:other-bake boom\n';
    expect(readConsoleVerdict(text, 'mine-1234')).toEqual({ kind: 'pending' });
    expect(() => build(Buffer.from('x'), 'bad id!')).toThrow(
      /bake id "bad id!": expected 4-64 letters/,
    );
  });
});
