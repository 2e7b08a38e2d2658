#!/usr/bin/env node
// Data-path benchmark (a script, not a test): the controller's proxy vs the service directly vs
// nginx as a reverse proxy vs bare http-proxy 1.18.1 vs bare undici 7, against the same backend
// (the built service with WORK_DELAY_MS=0 on its own loopback address), with the same load tool
// (wrk, one thread) and concurrency. Prints req/s, p50/p99, each proxy's CPU µs per request
// (utime+stime from /proc/PID/stat, before and after) and its peak RSS, and the ratios to nginx.
//
//   npx nx build service            # once: the backend is the built bundle
//   node bench/proxy/run-proxy-bench.mjs [--duration 10] [--connections 64] [--rounds 1]
//                                         [--only ours,nginx,direct,http-proxy,undici]
//
// Every process it starts is a child it stops by PID (also on Ctrl-C); nothing listens beyond
// 127.66.0.0/24. Needs: wrk and nginx (apt-get install -y wrk nginx).
import { spawn, execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { connect, createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../..');
const require = createRequire(import.meta.url);

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
const DURATION_S = Number(option('duration', '10'));
const WARMUP_S = Math.min(3, Math.max(1, Math.round(DURATION_S / 4)));
const CONNECTIONS = Number(option('connections', '64'));
const ROUNDS = Number(option('rounds', '1'));
const ONLY = option('only', 'direct,nginx,ours,http-proxy,undici').split(',');
if (!(
  DURATION_S > 0 &&
  DURATION_S <= 120 &&
  CONNECTIONS > 0 &&
  CONNECTIONS <= 1024 &&
  ROUNDS >= 1 &&
  ROUNDS <= 5
)) {
  console.error('bench: --duration 1..120, --connections 1..1024, --rounds 1..5');
  process.exit(2);
}
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());
const SERVICE_BUNDLE = join(ROOT, 'dist/apps/service/main.js');

// ---------------------------------------------------------------------------------------------
// Children: started here, stopped here by PID, also on Ctrl-C / errors.

const children = [];
function stopAll() {
  for (const { child } of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  }
}
process.on('SIGINT', () => {
  stopAll();
  process.exit(130);
});
process.on('exit', stopAll);

function startChild(name, command, commandArgs, { env = {}, ready }) {
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

const outputMatches = (pattern) => async (output) => {
  while (!pattern.test(output())) await new Promise((r) => setTimeout(r, 50));
};
const portAccepts = (host, port) => async () => {
  for (;;) {
    const ok = await new Promise((r) => {
      const s = connect({ host, port }, () => (s.destroy(), r(true)));
      s.on('error', () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
};

function freePort(host) {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// /proc readings

function cpuTicksOf(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14, 15 of stat)
}
function childPidsOf(ppid) {
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
function peakRssMiB(pids) {
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
function runWrk(url, seconds) {
  return new Promise((resolveRun, reject) => {
    const wrk = spawn(
      'wrk',
      ['-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency', '--timeout', '5s', url],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    wrk.stdout.on('data', (d) => (out += d));
    wrk.stderr.on('data', (d) => (out += d));
    const killer = setTimeout(() => wrk.kill('SIGKILL'), (seconds + 15) * 1000);
    wrk.once('exit', (code) => {
      clearTimeout(killer);
      if (code !== 0) return reject(new Error(`wrk exited ${code}: ${out}`));
      const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
      resolveRun({
        requests,
        rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]),
        p50: toMs(/\s50%\s+(\S+)/.exec(out)?.[1] ?? ''),
        p99: toMs(/\s99%\s+(\S+)/.exec(out)?.[1] ?? ''),
        errors: countErrors(out),
      });
    });
  });
}

// ---------------------------------------------------------------------------------------------

async function main() {
  for (const tool of ['wrk', 'nginx']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`]);
    } catch {
      throw new Error(`${tool} is not installed: apt-get install -y ${tool}`);
    }
  }
  if (!existsSync(SERVICE_BUNDLE))
    throw new Error(`no ${SERVICE_BUNDLE}: build it first (npx nx build service)`);

  console.log(
    `bench: node ${process.version}, ${cpus().length} cores, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}; ` +
      `wrk -t1 -c${CONNECTIONS}, ${DURATION_S} s measured after ${WARMUP_S} s warm-up, ${ROUNDS} round(s)`,
  );

  const backendHost = '127.66.0.10';
  const backendPort = await freePort(backendHost);
  const service = await startChild('service', process.execPath, [SERVICE_BUNDLE], {
    env: { WORK_DELAY_MS: '0', HOST: backendHost, PORT: String(backendPort) },
    ready: outputMatches(/listening on/),
  });
  console.log(
    `bench: backend = service (WORK_DELAY_MS=0) on ${backendHost}:${backendPort}, pid ${service.pid}`,
  );
  const backendArgs = [backendHost, String(backendPort)];

  const targets = [];
  if (ONLY.includes('direct')) {
    targets.push({
      key: 'direct',
      name: 'service directly',
      url: `http://${backendHost}:${backendPort}/work`,
      pids: () => [],
    });
  }
  if (ONLY.includes('nginx')) {
    const host = '127.66.0.14';
    const port = await freePort(host);
    const prefix = mkdtempSync(join(tmpdir(), 'osa-bench-nginx-'));
    for (const dir of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'])
      mkdirSync(join(prefix, dir));
    const conf = readFileSync(join(HERE, 'nginx.conf.template'), 'utf8')
      .replaceAll('@PREFIX@', prefix)
      .replaceAll('@BACKEND@', `${backendHost}:${backendPort}`)
      .replaceAll('@LISTEN@', `${host}:${port}`);
    writeFileSync(join(prefix, 'nginx.conf'), conf);
    const master = await startChild(
      'nginx',
      'nginx',
      [
        '-p',
        prefix,
        '-e',
        join(prefix, 'error.log'),
        '-c',
        join(prefix, 'nginx.conf'),
        '-g',
        'daemon off;',
      ],
      {
        ready: portAccepts(host, port),
      },
    );
    process.on('exit', () => rmSync(prefix, { recursive: true, force: true }));
    targets.push({
      key: 'nginx',
      name: 'nginx 1 worker',
      url: `http://${host}:${port}/work`,
      pids: () => [master.pid, ...childPidsOf(master.pid)],
    });
  }
  if (ONLY.includes('ours')) {
    const { buildSync } = require('esbuild');
    const bundle = join(tmpdir(), `osa-bench-our-proxy-${process.pid}.js`);
    buildSync({
      entryPoints: [join(HERE, 'our-proxy.bench-entry.ts')],
      bundle: true,
      platform: 'node',
      target: 'node20',
      packages: 'external',
      outfile: bundle,
      logLevel: 'error',
      tsconfig: join(ROOT, 'apps/controller/tsconfig.app.json'),
    });
    process.on('exit', () => rmSync(bundle, { force: true }));
    const host = '127.66.0.11';
    const port = await freePort(host);
    const child = await startChild(
      'ours',
      process.execPath,
      [bundle, host, String(port), ...backendArgs],
      { ready: outputMatches(/listening/) },
    );
    targets.push({
      key: 'ours',
      name: 'controller proxy (ours)',
      url: `http://${host}:${port}/work`,
      pids: () => [child.pid],
    });
  }
  for (const [key, script, name, host] of [
    ['http-proxy', 'http-proxy-bare.cjs', 'http-proxy 1.18.1 bare', '127.66.0.12'],
    ['undici', 'undici-bare.cjs', 'undici 7 Pool bare', '127.66.0.13'],
  ]) {
    if (!ONLY.includes(key)) continue;
    const port = await freePort(host);
    const child = await startChild(
      key,
      process.execPath,
      [join(HERE, script), host, String(port), ...backendArgs],
      { ready: outputMatches(/listening/) },
    );
    targets.push({ key, name, url: `http://${host}:${port}/work`, pids: () => [child.pid] });
  }

  const results = new Map(targets.map((t) => [t.key, []]));
  for (let round = 1; round <= ROUNDS; round++) {
    for (const target of targets) {
      process.stdout.write(`bench: round ${round}/${ROUNDS} ${target.name} ... `);
      await runWrk(target.url, WARMUP_S);
      const pids = target.pids();
      const before = pids.reduce((s, pid) => s + cpuTicksOf(pid), 0);
      const run = await runWrk(target.url, DURATION_S);
      const after = target.pids().reduce((s, pid) => s + cpuTicksOf(pid), 0);
      const cpuUsPerRequest =
        pids.length > 0 ? (((after - before) / CLK_TCK) * 1e6) / run.requests : NaN;
      const rss = pids.length > 0 ? peakRssMiB(target.pids()) : NaN;
      results.get(target.key).push({ ...run, cpuUsPerRequest, rss });
      console.log(`${run.rps.toFixed(0)} req/s`);
    }
  }

  // Median over rounds of each figure.
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const summary = targets.map((t) => {
    const runs = results.get(t.key);
    return {
      key: t.key,
      name: t.name,
      rps: median(runs.map((r) => r.rps)),
      p50: median(runs.map((r) => r.p50)),
      p99: median(runs.map((r) => r.p99)),
      errors: runs.reduce((s, r) => s + r.errors, 0),
      cpu: median(runs.map((r) => r.cpuUsPerRequest)),
      rss: Math.max(...runs.map((r) => r.rss)),
    };
  });
  const nginx = summary.find((s) => s.key === 'nginx');
  const fmt = (n, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '-');
  const rows = [
    [
      'data path',
      'req/s',
      'p50 ms',
      'p99 ms',
      'errors',
      'CPU µs/req',
      'peak RSS MiB',
      'req/s vs nginx',
      'CPU vs nginx',
    ],
    ...summary.map((s) => [
      s.name,
      fmt(s.rps),
      fmt(s.p50, 2),
      fmt(s.p99, 2),
      String(s.errors),
      fmt(s.cpu),
      fmt(s.rss),
      nginx ? `${fmt((100 * s.rps) / nginx.rps)}%` : '-',
      nginx && Number.isFinite(s.cpu) ? `${fmt(s.cpu / nginx.cpu, 2)}x` : '-',
    ]),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  console.log('');
  for (const [i, row] of rows.entries()) {
    console.log(`| ${row.map((cell, j) => cell.padEnd(widths[j])).join(' | ')} |`);
    if (i === 0) console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  }
  console.log(
    `\nbench: load average at the end ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} (the machine is shared: compare CPU µs/req, not req/s alone)`,
  );
}

main()
  .catch((error) => {
    console.error(`bench failed: ${error.message}`);
    process.exitCode = 1;
  })
  .finally(stopAll);
