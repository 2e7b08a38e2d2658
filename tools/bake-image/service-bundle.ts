/**
 * The thing a golden image carries: the built service bundle and its systemd unit. Read once,
 * checked before any cloud call (present, non-empty, the unit runs the path we write), and
 * smoke-tested: the bundle is started on loopback and must answer its health path.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { BakeFailure } from './bake-errors';
import { BUNDLE_PATH_IN_VM, sha256Hex } from './cloud-init-user-data';
import { probeHealth } from './health-probe';

export interface ServiceBundle {
  bundlePath: string;
  bytes: Buffer;
  sha256: string;
  unitPath: string;
  unitText: string;
}

export function readServiceBundle(bundlePath: string, unitPath?: string): ServiceBundle {
  if (!fs.existsSync(bundlePath)) {
    throw new BakeFailure(
      `service bundle ${bundlePath}`,
      'does not exist',
      null,
      'Build it first: npx nx build service',
    );
  }
  const bytes = fs.readFileSync(bundlePath);
  if (bytes.length === 0) {
    throw new BakeFailure(
      `service bundle ${bundlePath}`,
      'is empty',
      null,
      'Rebuild it: npx nx build service',
    );
  }
  let unitText = '';
  if (unitPath !== undefined) {
    if (!fs.existsSync(unitPath)) {
      throw new BakeFailure(`systemd unit ${unitPath}`, 'does not exist', null, 'Pass --unit=PATH');
    }
    unitText = fs.readFileSync(unitPath, 'utf8');
    const execStart = /^\s*ExecStart=(.*)$/m.exec(unitText);
    if (!execStart || !execStart[1].includes(BUNDLE_PATH_IN_VM)) {
      throw new BakeFailure(
        `systemd unit ${unitPath}`,
        `its ExecStart must run ${BUNDLE_PATH_IN_VM} (where the bake writes the bundle); found ${execStart ? JSON.stringify(execStart[1].trim()) : 'no ExecStart line'}`,
        null,
      );
    }
  }
  return { bundlePath, bytes, sha256: sha256Hex(bytes), unitPath: unitPath ?? '', unitText };
}

export interface SmokeTestResult {
  url: string;
  attempts: number;
  durationMs: number;
}

/**
 * Starts the bundle with this Node on 127.0.0.1 and a free port and waits for a 2xx on the health
 * path: a broken bundle fails here in seconds instead of after a ten-minute VM boot.
 */
export async function smokeTestBundle(
  bundlePath: string,
  options: { healthPath: string; timeoutMs?: number },
): Promise<SmokeTestResult> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const port = await freeLoopbackPort();
  const url = `http://127.0.0.1:${port}${options.healthPath}`;
  const started = Date.now();
  const child = spawn(process.execPath, [bundlePath], {
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-2_000);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  let exited: string | undefined;
  const exitedPromise = new Promise<void>((resolve) => {
    child.on('exit', (code, signal) => {
      exited = signal ? `signal ${signal}` : `exit code ${code}`;
      resolve();
    });
    child.on('error', (err) => {
      exited = err.message;
      resolve();
    });
  });
  try {
    let attempts = 0;
    let last = 'not tried';
    while (Date.now() - started < timeoutMs) {
      if (exited) break;
      attempts++;
      const result = await probeHealth(url, 2_000);
      if (result.ok) return { url, attempts, durationMs: Date.now() - started };
      last = result.detail;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new BakeFailure(
      `service bundle ${bundlePath}`,
      exited
        ? `the smoke test process stopped (${exited}) before ${url} was healthy; output: ${output.trim() || '(none)'}`
        : `${url} was not healthy within ${timeoutMs} ms (last: ${last}); output: ${output.trim() || '(none)'}`,
      null,
      'Fix the service (npx nx test service), rebuild it, then bake again.',
    );
  } finally {
    if (!exited && child.pid !== undefined) {
      child.kill('SIGTERM');
      const killTimer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exitedPromise;
      clearTimeout(killTimer);
    }
  }
}

/** A port free on `host` at this moment (whoever asked binds it right after; the tests use it too). */
export function freeLoopbackPort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
