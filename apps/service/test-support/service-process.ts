// Runs the BUILT service bundle as a real child process, the way systemd runs it on an image.
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { httpRequest } from './http-client';

export const WORKSPACE_ROOT = path.resolve(__dirname, '../../..');
export const SERVICE_BUNDLE = path.join(WORKSPACE_ROOT, 'dist/apps/service/main.js');

export interface ServiceExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServiceProcess {
  readonly child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Resolves with the first match of `pattern` in the output; rejects on timeout or early exit. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves when the process exits; rejects if it has not exited within `timeoutMs`. */
  waitForExit(timeoutMs?: number): Promise<ServiceExit>;
}

export interface StartServiceOptions {
  /** Only these variables (plus PATH) are passed, so the caller's HOST/PORT never leak in. */
  env: Record<string, string>;
  nodeBinary?: string;
  bundlePath?: string;
  cwd?: string;
}

const started = new Set<ChildProcess>();

export function startServiceProcess(options: StartServiceOptions): ServiceProcess {
  const bundlePath = options.bundlePath || SERVICE_BUNDLE;
  if (!fs.existsSync(bundlePath)) {
    throw new Error(`${bundlePath} does not exist: build it first (npx nx build service)`);
  }
  const child = spawn(options.nodeBinary || process.execPath, [bundlePath], {
    cwd: options.cwd || path.dirname(bundlePath),
    env: { PATH: process.env['PATH'] || '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.add(child);
  let output = '';
  const outputListeners = new Set<() => void>();
  const onData = (chunk: Buffer): void => {
    output += chunk.toString('utf8');
    outputListeners.forEach((listener) => listener());
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);

  const exited = new Promise<ServiceExit>((resolve) => {
    child.on('exit', (code, signal) => {
      started.delete(child);
      // Let the last output chunks arrive before anyone reads output().
      setImmediate(() => resolve({ code, signal }));
    });
  });
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
    outputListeners.forEach((listener) => listener());
  });

  return {
    child,
    output: () => output,
    waitForOutput(pattern: RegExp, timeoutMs = 10000): Promise<RegExpMatchArray> {
      return new Promise<RegExpMatchArray>((resolve, reject) => {
        const check = (): void => {
          const match = output.match(pattern);
          if (match) {
            done();
            resolve(match);
          } else if (hasExited) {
            done();
            reject(new Error(`service exited before printing ${pattern}; output:\n${output}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(
            new Error(
              `service did not print ${pattern} within ${timeoutMs} ms; output:\n${output}`,
            ),
          );
        }, timeoutMs);
        const done = (): void => {
          clearTimeout(timer);
          outputListeners.delete(check);
        };
        outputListeners.add(check);
        check();
      });
    },
    waitForExit(timeoutMs = 15000): Promise<ServiceExit> {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new Error(
                `service (pid ${child.pid}) did not exit within ${timeoutMs} ms; output:\n${output}`,
              ),
            ),
          timeoutMs,
        );
      });
      return Promise.race([exited, timeout]).finally(() => clearTimeout(timer));
    },
  };
}

export interface ListeningService extends ServiceProcess {
  host: string;
  port: number;
}

/** Starts the bundle and waits for its start line; `env.PORT` defaults to 0 (any free port). */
export async function startListeningService(
  options: StartServiceOptions,
): Promise<ListeningService> {
  const service = startServiceProcess({ ...options, env: { PORT: '0', ...options.env } });
  const match = await service.waitForOutput(/listening on (\S+):(\d+) as /);
  return { ...service, host: match[1], port: Number(match[2]) };
}

/** Kills (by PID) every service process a test started and that is still running. */
export async function killStartedServices(): Promise<void> {
  const running = Array.from(started);
  await Promise.all(
    running.map(
      (child) =>
        new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
}

/** Polls GET /healthz until it reports `count` other requests in flight. */
export async function waitForInFlight(
  target: { host: string; port: number },
  count: number,
  timeoutMs = 10000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const health = await httpRequest({ host: target.host, port: target.port, path: '/healthz' });
    const inFlight = JSON.parse(health.body).inFlight;
    if (inFlight === count) return;
    if (Date.now() > deadline) {
      throw new Error(
        `/healthz still reports ${inFlight} in flight (want ${count}) after ${timeoutMs} ms`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
