/**
 * Helpers of devcloud-bake.acceptance.spec.ts: whether a real cloud is configured, the built bake
 * CLI as a child process, cleanup registered before anything exists, and the loopback guard.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import { isIPv4 } from 'node:net';
import * as path from 'node:path';

export const WORKSPACE_ROOT = path.resolve(__dirname, '../..');
export const BAKE_CLI = path.join(WORKSPACE_ROOT, 'dist/tools/bake-image/main.js');
export const SERVICE_BUNDLE = path.join(WORKSPACE_ROOT, 'dist/apps/service/main.js');

export const CLOUD_CONFIGURED = Boolean(process.env['OS_CLOUD'] || process.env['OS_AUTH_URL']);
const SKIP_REASON =
  'no OpenStack configured (set OS_CLOUD, or the OS_* variables of an openrc, to run it; see docs/testing.md)';

/** `describe` with a cloud, else `describe.skip` saying why (in the title and on stderr). */
export function describeWithCloud(title: string, body: () => void): void {
  if (CLOUD_CONFIGURED) {
    describe(title, body);
    return;
  }
  process.stderr.write(`[acceptance] SKIPPED "${title}": ${SKIP_REASON}\n`);
  describe.skip(`${title} [skipped: ${SKIP_REASON}]`, body);
}

/** `osa-acc-<6 hex>`: what every acceptance suite prefixes its resources with (.ci/devcloud.sh sweeps them). */
export function runTag(): string {
  return `osa-acc-${randomBytes(3).toString('hex')}`;
}

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  durationMs: number;
}

/** The cloud settings of this process (OS_*), and nothing else of the test runner's environment. */
export function cloudEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: process.env['HOME'] ?? '/tmp',
  };
  for (const [key, value] of Object.entries(process.env))
    if (key.startsWith('OS_')) env[key] = value;
  return env;
}

/**
 * Runs `node dist/tools/bake-image/main.js ...args` as `nx run tools:bake-image` would, streaming
 * its progress lines to stderr (so a slow CI run shows where it is) and killing it after `timeoutMs`.
 */
export function runBakeCli(args: readonly string[], timeoutMs: number): Promise<CliRun> {
  if (!fs.existsSync(BAKE_CLI))
    throw new Error(`${BAKE_CLI} is missing: run \`npx nx run tools:build\` first`);
  const started = Date.now();
  const child = spawn(process.execPath, [BAKE_CLI, ...args], {
    cwd: WORKSPACE_ROOT,
    env: cloudEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    process.stderr.write(chunk.toString().replace(/^(?=.)/gm, '[bake] '));
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    process.stderr.write(chunk.toString().replace(/^(?=.)/gm, '[bake stderr] '));
  });
  const timer = setTimeout(() => {
    // SIGINT: the bake unwinds what it created (its interrupt guard), as a user's Ctrl-C would.
    child.kill('SIGINT');
    setTimeout(() => child.kill('SIGKILL'), 60_000).unref();
  }, timeoutMs);
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, durationMs: Date.now() - started });
    });
  });
}

/** Cleanup steps registered before the resources exist (the bake makes them in a child process), run newest first. */
export class AcceptanceCleanup {
  private readonly steps: Array<{ label: string; run: () => Promise<unknown> }> = [];

  add(label: string, run: () => Promise<unknown>): void {
    this.steps.push({ label, run });
  }

  async runAll(stepTimeoutMs = 120_000): Promise<void> {
    const failures: string[] = [];
    for (let step = this.steps.pop(); step; step = this.steps.pop()) {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          step.run(),
          new Promise((_, reject) => {
            timer = setTimeout(
              () => reject(new Error(`did not finish within ${stepTimeoutMs} ms`)),
              stepTimeoutMs,
            );
          }),
        ]);
      } catch (err) {
        failures.push(`${step.label}: ${err instanceof Error ? err.message : String(err)}`);
      } finally {
        clearTimeout(timer);
      }
    }
    if (failures.length)
      throw new Error(`cleanup failed (run .ci/devcloud.sh sweep):\n  ${failures.join('\n  ')}`);
  }
}

/** IPv4 inside 127.0.0.0/8. */
export function isLoopbackIPv4(address: string): boolean {
  return isIPv4(address) && address.split('.')[0] === '127';
}

/** IPv4 CIDR entirely inside 127.0.0.0/8 (then every address Neutron hands out on it is loopback). */
export function isLoopbackCidr(cidr: string): boolean {
  const [address, prefix] = cidr.split('/');
  return isLoopbackIPv4(address) && Number(prefix) >= 8;
}

export function assertLoopback(address: string, what: string): void {
  if (!isLoopbackIPv4(address)) {
    throw new Error(
      `${what} is ${JSON.stringify(address)}, outside 127.0.0.0/8: acceptance suites only send traffic to loopback addresses (run them against the devcloud)`,
    );
  }
}

/** One GET to a loopback address (asserted first). */
export function httpGet(
  host: string,
  port: number,
  urlPath: string,
  timeoutMs = 5_000,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  assertLoopback(host, 'HTTP target');
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port, path: urlPath, timeout: timeoutMs, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('timeout', () =>
      req.destroy(
        new Error(`GET http://${host}:${port}${urlPath}: no answer within ${timeoutMs} ms`),
      ),
    );
    req.on('error', reject);
  });
}
