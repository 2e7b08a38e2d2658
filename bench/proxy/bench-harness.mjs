// Shared by run-proxy-bench.mjs and profile-proxy.mjs: child processes started and stopped by PID,
// free loopback ports, /proc CPU and RSS readings, wrk runs, the backend (the built service) and
// the bundle of our proxy. Nothing here listens beyond 127.66.0.0/24.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const HERE = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(HERE, '../..');
const require = createRequire(import.meta.url);

export const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());
export const SERVICE_BUNDLE = join(ROOT, 'dist/apps/service/main.js');
export const BACKEND_HOST = '127.66.0.10';

/** `--name value` from argv, or the fallback. */
export function option(args, name, fallback) {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
}

export function requireTools(tools) {
  for (const tool of tools) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`]);
    } catch {
      throw new Error(`${tool} is not installed: apt-get install -y ${tool}`);
    }
  }
  if (!existsSync(SERVICE_BUNDLE))
    throw new Error(`no ${SERVICE_BUNDLE}: build it first (npx nx build service)`);
}

// ---------------------------------------------------------------------------------------------
// Children: started here, stopped here by PID, also on Ctrl-C / errors.

const children = [];
export function stopAll() {
  for (const { child } of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  }
}
process.on('SIGINT', () => {
  stopAll();
  process.exit(130);
});
process.on('exit', stopAll);

/** Stop one child by PID and wait for it to exit (at most `timeoutMs`, then SIGKILL). */
export function stopChild(child, timeoutMs = 10_000) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolveStop) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', () => {
      clearTimeout(killer);
      resolveStop();
    });
    child.kill('SIGTERM');
  });
}

export function startChild(name, command, commandArgs, { env = {}, ready }) {
  const child = spawn(command, commandArgs, {
    cwd: ROOT,
    env: { ...process.env, NODE_PATH: join(ROOT, 'node_modules'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push({ name, child });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  return new Promise((resolveStart, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not become ready within 15 s: ${output.trim()}`));
    }, 15_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (code ${code}) during start-up: ${output.trim()}`));
    });
    ready(() => output).then(() => {
      clearTimeout(timer);
      resolveStart(child);
    }, reject);
  });
}

export const outputMatches = (pattern) => async (output) => {
  while (!pattern.test(output())) await new Promise((r) => setTimeout(r, 50));
};
export const portAccepts = (host, port) => async () => {
  for (;;) {
    const ok = await new Promise((r) => {
      const s = connect({ host, port }, () => (s.destroy(), r(true)));
      s.on('error', () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
};

export function freePort(host) {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

/** The backend every data path forwards to: the built service, zero delay, on 127.66.0.10. */
export async function startBackend() {
  const port = await freePort(BACKEND_HOST);
  const child = await startChild('service', process.execPath, [SERVICE_BUNDLE], {
    env: { WORK_DELAY_MS: '0', HOST: BACKEND_HOST, PORT: String(port) },
    ready: outputMatches(/listening on/),
  });
  return { host: BACKEND_HOST, port, child };
}

/**
 * Our ProxyServer (every hygiene step) bundled with esbuild from our-proxy.bench-entry.ts under
 * `sourceRoot` (the working tree, or a baseline extracted from git), not minified so profiles
 * keep our function names. Removed when this process exits.
 */
export function buildOurProxyBundle(sourceRoot = ROOT, tag = 'current') {
  const { buildSync } = require('esbuild');
  const bundle = join(tmpdir(), `osa-bench-our-proxy-${tag}-${process.pid}.js`);
  buildSync({
    entryPoints: [join(sourceRoot, 'bench/proxy/our-proxy.bench-entry.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    packages: 'external',
    outfile: bundle,
    logLevel: 'error',
    tsconfig: join(ROOT, 'apps/controller/tsconfig.app.json'),
  });
  process.on('exit', () => rmSync(bundle, { force: true }));
  return bundle;
}

// ---------------------------------------------------------------------------------------------
// /proc readings

/** User and system CPU ticks of one process (fields 14 and 15 of /proc/PID/stat). */
export function cpuTicksOf(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(fields[11]), sys: Number(fields[12]) };
}
function cpuTicksOfAll(pids) {
  return pids.reduce(
    (sum, pid) => {
      const ticks = cpuTicksOf(pid);
      return { user: sum.user + ticks.user, sys: sum.sys + ticks.sys };
    },
    { user: 0, sys: 0 },
  );
}
export function childPidsOf(ppid) {
  const pids = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === ppid)
        pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}
export function peakRssMiB(pids) {
  return pids.reduce((sum, pid) => {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return sum + (match ? Number(match[1]) / 1024 : 0);
  }, 0);
}

// ---------------------------------------------------------------------------------------------
// Load: wrk, one thread (the load generator shares the 2 cores with the proxy under test).

function toMs(value) {
  const m = /^([\d.]+)(us|ms|s)$/.exec(value);
  if (!m) return NaN;
  return Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 's' ? 1000 : 1);
}
function countErrors(wrkOutput) {
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(wrkOutput)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(
    wrkOutput,
  );
  return non2xx + (socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0);
}
export function runWrk(url, seconds, connections) {
  return new Promise((resolveRun, reject) => {
    const wrk = spawn(
      'wrk',
      ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '--timeout', '5s', url],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    wrk.stdout.on('data', (d) => (out += d));
    wrk.stderr.on('data', (d) => (out += d));
    const killer = setTimeout(() => wrk.kill('SIGKILL'), (seconds + 15) * 1000);
    wrk.once('exit', (code) => {
      clearTimeout(killer);
      if (code !== 0) return reject(new Error(`wrk exited ${code}: ${out}`));
      resolveRun({
        requests: Number(/(\d+) requests in/.exec(out)?.[1]),
        rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]),
        p50: toMs(/\s50%\s+(\S+)/.exec(out)?.[1] ?? ''),
        p99: toMs(/\s99%\s+(\S+)/.exec(out)?.[1] ?? ''),
        errors: countErrors(out),
      });
    });
  });
}

/** One measured wrk run with the CPU the given processes spent on it, per request. */
export async function measure(url, pidsOf, { seconds, warmupSeconds, connections }) {
  if (warmupSeconds > 0) await runWrk(url, warmupSeconds, connections);
  const pids = pidsOf();
  const before = cpuTicksOfAll(pids);
  const run = await runWrk(url, seconds, connections);
  const after = cpuTicksOfAll(pidsOf());
  const usPerRequest = (ticks) =>
    pids.length > 0 ? ((ticks / CLK_TCK) * 1e6) / run.requests : NaN;
  const userUsPerRequest = usPerRequest(after.user - before.user);
  const sysUsPerRequest = usPerRequest(after.sys - before.sys);
  const rss = pids.length > 0 ? peakRssMiB(pidsOf()) : NaN;
  return {
    ...run,
    cpuUsPerRequest: userUsPerRequest + sysUsPerRequest,
    userUsPerRequest,
    sysUsPerRequest,
    rss,
  };
}

export const loadAverageText = (loadavg) => loadavg.map((l) => l.toFixed(2)).join(' ');
