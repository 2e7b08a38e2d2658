import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildSync } from 'esbuild';
import type { Backend } from '../../src/proxy/traffic-director';
import { startHaproxyUnderTest } from './haproxy-under-test';
import { nextLoopbackAddress } from './loopback';
import type { SettleRecord } from './static-traffic-director';

/**
 * The same raw test pointed at either proxy, each in its own child process:
 * - `ours`: ProxyServer + StaticTrafficDirector (our-proxy-child.ts, bundled once per test file);
 * - `ours-workers`: the same with `proxy.workers: 2` (the child is the controller side; its two
 *   workers, forked from the same bundle, serve the port and ask it for every admission);
 * - `naive`: http-proxy 1.18.1 as its README sets it up (naive-http-proxy.cjs);
 * - `haproxy`: `dataPlane.kind: haproxy`, the controller's HaproxyDataPlane (haproxy-under-test.ts).
 * A crash or an 'uncaughtException' in the child is recorded, never hidden.
 */
export type ProxyKind = 'ours' | 'ours-workers' | 'naive' | 'haproxy';

export interface ProxyUnderTest {
  readonly kind: ProxyKind;
  readonly host: string;
  readonly port: number;
  readonly pid: number;
  /** 'uncaughtException' reports from the child (must stay empty for ours). */
  readonly uncaught: string[];
  /** Settles reported by our director (empty for naive). */
  readonly settles: SettleRecord[];
  /** Why the child is no longer running, or undefined while it runs. */
  exitReason(): string | undefined;
  /** Run a full GC in the child (ours only) and resolve with its in-flight count. */
  collectGarbage(): Promise<number>;
  stop(): Promise<void>;
}

const WORKSPACE_ROOT = resolve(__dirname, '../../../..');
const STARTUP_TIMEOUT_MS = 15_000;
let ourBundle: string | undefined;

/** esbuild the child entry once per test process (decorators kept; packages stay external). */
function ourChildBundle(): string {
  if (ourBundle !== undefined) return ourBundle;
  const outfile = join(tmpdir(), `osa-proxy-child-${process.pid}.js`);
  buildSync({
    entryPoints: [join(__dirname, 'our-proxy-child.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    packages: 'external',
    outfile,
    logLevel: 'error',
    tsconfig: join(WORKSPACE_ROOT, 'apps/controller/tsconfig.app.json'),
  });
  ourBundle = outfile;
  return outfile;
}

export async function startProxyUnderTest(
  kind: ProxyKind,
  backends: Backend[],
  settings: Record<string, unknown> = {},
): Promise<ProxyUnderTest> {
  if (kind === 'haproxy') {
    const haproxy = await startHaproxyUnderTest(backends, settings);
    return {
      kind,
      ...haproxy,
      uncaught: [],
      settles: [],
      collectGarbage: () => Promise.reject(new Error('collectGarbage: not a Node proxy')),
    };
  }
  const host = nextLoopbackAddress();
  const ours = kind !== 'naive';
  const script = ours ? ourChildBundle() : join(__dirname, 'naive-http-proxy.cjs');
  const workers = kind === 'ours-workers' ? { workers: 2 } : {};
  const spec = ours
    ? {
        backends,
        settings: {
          listenHost: host,
          listenPort: 0,
          shutdownDeadlineMs: 2_000,
          ...workers,
          ...settings,
        },
      }
    : { target: `http://${backends[0].host}:${backends[0].port}`, host };
  const child: ChildProcess = fork(script, [JSON.stringify(spec)], {
    cwd: WORKSPACE_ROOT,
    env: { ...process.env, NODE_PATH: join(WORKSPACE_ROOT, 'node_modules') },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    execArgv: ours ? ['--expose-gc'] : [],
  });
  const uncaught: string[] = [];
  const settles: SettleRecord[] = [];
  let stderr = '';
  let exit: string | undefined;
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4_000);
  });
  const exited = new Promise<void>((resolveExit) =>
    child.once('exit', (code, signal) => {
      exit = `${kind} proxy exited (code ${code}, signal ${signal})${stderr ? `: ${stderr.trim().split('\n')[0]}` : ''}`;
      resolveExit();
    }),
  );
  const address = await new Promise<{ host: string; port: number }>((resolveStart, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${kind} proxy did not start within ${STARTUP_TIMEOUT_MS} ms: ${stderr}`));
    }, STARTUP_TIMEOUT_MS);
    child.on('message', (message: { type: string; [key: string]: unknown }) => {
      if (message.type === 'listening') {
        clearTimeout(timer);
        resolveStart({ host: String(message.host), port: Number(message.port) });
      } else if (message.type === 'settle') {
        settles.push(message as unknown as SettleRecord);
      } else if (message.type === 'uncaught') {
        uncaught.push(String(message.message));
      } else if (message.type === 'start-failed') {
        clearTimeout(timer);
        reject(new Error(`${kind} proxy failed to start: ${String(message.message)}`));
      }
    });
    child.once('exit', () => {
      clearTimeout(timer);
      reject(new Error(exit ?? `${kind} proxy exited during start-up`));
    });
  });
  return {
    kind,
    host: address.host,
    port: address.port,
    pid: child.pid ?? -1,
    uncaught,
    settles,
    exitReason: () => exit,
    collectGarbage: () =>
      new Promise<number>((resolveGc, reject) => {
        const timer = setTimeout(
          () => reject(new Error('no gc-done from the proxy within 5 s')),
          5_000,
        );
        const onMessage = (message: { type: string; inFlight?: number }): void => {
          if (message.type !== 'gc-done') return;
          clearTimeout(timer);
          child.off('message', onMessage);
          resolveGc(message.inFlight ?? -1);
        };
        child.on('message', onMessage);
        child.send('gc');
      }),
    async stop() {
      if (exit !== undefined || child.exitCode !== null || child.signalCode !== null) return;
      if (child.connected) child.send('stop', () => undefined);
      else child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
