#!/usr/bin/env node
// Data-path benchmark (a script, not a test): the controller's proxy vs the service directly vs
// nginx as a reverse proxy vs bare http-proxy 1.18.1 vs bare undici 7, against the same backend
// (the built service with WORK_DELAY_MS=0 on its own loopback address), with the same load tool
// (wrk, one thread) and concurrency, rounds interleaved. Prints req/s, p50/p99, each proxy's CPU
// µs per request (user+sys from /proc/PID/stat, before and after) and its peak RSS, and the
// ratios to nginx; writes the same table to bench/proxy/RESULTS.md.
//
//   npx nx build service            # once: the backend is the built bundle
//   node bench/proxy/run-proxy-bench.mjs [--duration 10] [--connections 64[,256]] [--rounds 1]
//                                         [--only direct,nginx,ours,node-http,http-proxy,undici,undici-dispatch,haproxy,ours-haproxy]
//                                         [--baseline <git-ref> [--paired]]
//                                         [--ours-settings '{"agentMaxSockets":64}']
//                                         [--ours-node-options '--max-semi-space-size=4']
//                                         [--ours-workers 2]
//                                         [--results <file>|none]
//
// `--baseline <ref>` adds our proxy as it was at that commit (its proxy/ folder, proxy config and
// bench entry, taken with `git archive`), so a change is measured before/after in the same run;
// `--paired` loads both at the same time (one wrk each) so they share the same background load.
// `--ours-settings` passes proxy settings (ProxyConfig fields, JSON) to ours, for tuning studies;
// `--ours-node-options` starts ours (only) with those NODE_OPTIONS (V8 heap flags).
// `--ours-workers N` adds a row: ours with `proxy.workers: N` (the primary + its N workers' CPU).
// `--connections 64,256` measures every row at each concurrency (rounds interleaved); the table has
// the full columns for the first and req/s, p99, errors and CPU µs/req columns for each other one.
// `haproxy` is HAProxy bare (haproxy.cfg.template); `ours-haproxy` the built controller with
// `dataPlane.kind: haproxy` (haproxy-targets.mjs), its CPU and RSS those of the controller + HAProxy.
// Every process it starts is a child it stops by PID (also on Ctrl-C); nothing listens beyond
// 127.66.0.0/24. Needs: wrk, nginx and haproxy (apt-get install -y wrk nginx-light haproxy).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import {
  HERE,
  ROOT,
  buildOurProxyBundle,
  childPidsOf,
  freePort,
  loadAverageText,
  measure,
  option,
  outputMatches,
  portAccepts,
  requireTools,
  startBackend,
  startChild,
  stopAll,
} from './bench-harness.mjs';
import { startBareHaproxy, startOursHaproxy } from './haproxy-targets.mjs';

const args = process.argv.slice(2);
const DURATION_S = Number(option(args, 'duration', '10'));
const WARMUP_S = Math.min(3, Math.max(1, Math.round(DURATION_S / 4)));
const CONNECTION_LIST = option(args, 'connections', '64').split(',').map(Number);
const CONNECTIONS = CONNECTION_LIST[0];
const ROUNDS = Number(option(args, 'rounds', '1'));
const ONLY = option(
  args,
  'only',
  'direct,nginx,ours,node-http,http-proxy,undici,undici-dispatch,haproxy,ours-haproxy',
).split(',');
const BASELINE = option(args, 'baseline', undefined);
const RESULTS = option(args, 'results', join(HERE, 'RESULTS.md'));
const PAIRED = args.includes('--paired');
const OURS_SETTINGS = option(args, 'ours-settings', undefined);
const OURS_NODE_OPTIONS = option(args, 'ours-node-options', undefined);
const OURS_WORKERS = option(args, 'ours-workers', undefined);
if (
  OURS_WORKERS !== undefined &&
  !(
    Number.isInteger(Number(OURS_WORKERS)) &&
    Number(OURS_WORKERS) >= 2 &&
    Number(OURS_WORKERS) <= cpus().length
  )
) {
  console.error(
    `bench: --ours-workers must be an integer from 2 to ${cpus().length} (the CPU count), got "${OURS_WORKERS}"`,
  );
  process.exit(2);
}
if (!(
  DURATION_S > 0 &&
  DURATION_S <= 120 &&
  CONNECTION_LIST.every((c) => Number.isInteger(c) && c > 0 && c <= 1024) &&
  CONNECTION_LIST.length <= 3 &&
  ROUNDS >= 1 &&
  ROUNDS <= 5
)) {
  console.error(
    'bench: --duration 1..120, --connections 1..1024 (up to 3, comma-separated), --rounds 1..5',
  );
  process.exit(2);
}
if (OURS_SETTINGS !== undefined) {
  try {
    JSON.parse(OURS_SETTINGS);
  } catch {
    console.error(
      `bench: --ours-settings must be a JSON object of proxy settings, got "${OURS_SETTINGS}"`,
    );
    process.exit(2);
  }
}
if (
  OURS_NODE_OPTIONS !== undefined &&
  !/^--[\w-]+(=[\w.-]+)?( --[\w-]+(=[\w.-]+)?)*$/.test(OURS_NODE_OPTIONS)
) {
  console.error(
    `bench: --ours-node-options must be Node flags such as "--max-semi-space-size=4", got "${OURS_NODE_OPTIONS}"`,
  );
  process.exit(2);
}
if (PAIRED && BASELINE === undefined) {
  console.error('bench: --paired needs --baseline <git-ref> (ours and the baseline run together)');
  process.exit(2);
}
if (BASELINE !== undefined && !/^[\w./~^-]+$/.test(BASELINE)) {
  console.error(`bench: --baseline must be a git ref (commit, tag, HEAD~1), got "${BASELINE}"`);
  process.exit(2);
}

/** Our proxy's sources at `ref`, extracted (without touching the index) for a side-by-side run. */
function checkoutOurProxyAt(ref) {
  const commit = execFileSync('git', ['rev-parse', '--short', `${ref}^{commit}`], { cwd: ROOT })
    .toString()
    .trim();
  const dir = mkdtempSync(join(tmpdir(), `osa-bench-baseline-${commit}-`));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const archive = execFileSync(
    'git',
    [
      'archive',
      commit,
      'apps/controller/src/proxy',
      'apps/controller/src/config',
      'apps/controller/src/seams',
      'apps/controller/test-support/proxy-config.ts',
      'bench/proxy/our-proxy.bench-entry.ts',
    ],
    { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 },
  );
  execFileSync('tar', ['-x', '-C', dir], { input: archive });
  return { commit, dir };
}

async function startNginx(backend) {
  const host = '127.66.0.14';
  const port = await freePort(host);
  const prefix = mkdtempSync(join(tmpdir(), 'osa-bench-nginx-'));
  for (const dir of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'])
    mkdirSync(join(prefix, dir));
  const conf = readFileSync(join(HERE, 'nginx.conf.template'), 'utf8')
    .replaceAll('@PREFIX@', prefix)
    .replaceAll('@BACKEND@', `${backend.host}:${backend.port}`)
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
    { ready: portAccepts(host, port) },
  );
  process.on('exit', () => rmSync(prefix, { recursive: true, force: true }));
  return {
    key: 'nginx',
    name: 'nginx 1 worker',
    url: `http://${host}:${port}/work`,
    pids: () => [master.pid, ...childPidsOf(master.pid)],
  };
}

async function startNodeProxy(key, name, host, script, backend, env = {}) {
  const port = await freePort(host);
  const child = await startChild(
    key,
    process.execPath,
    [script, host, String(port), backend.host, String(backend.port)],
    { ready: outputMatches(/listening/), env },
  );
  return { key, name, url: `http://${host}:${port}/work`, pids: () => [child.pid] };
}

function formatTable(summary) {
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
      'user',
      'sys',
      'peak RSS MiB',
      'req/s vs nginx',
      'CPU vs nginx',
      ...(summary[0]?.more ?? []).flatMap((m) => [
        `req/s c${m.connections}`,
        `p99 ms c${m.connections}`,
        `errors c${m.connections}`,
        `CPU µs/req c${m.connections}`,
        `CPU vs nginx c${m.connections}`,
      ]),
    ],
    ...summary.map((s) => [
      s.name,
      fmt(s.rps),
      fmt(s.p50, 2),
      fmt(s.p99, 2),
      String(s.errors),
      fmt(s.cpu),
      fmt(s.user),
      fmt(s.sys),
      fmt(s.rss),
      nginx ? `${fmt((100 * s.rps) / nginx.rps)}%` : '-',
      nginx && Number.isFinite(s.cpu) ? `${fmt(s.cpu / nginx.cpu, 2)}x` : '-',
      ...s.more.flatMap((m, i) => [
        fmt(m.rps),
        fmt(m.p99, 2),
        String(m.errors),
        fmt(m.cpu),
        nginx && Number.isFinite(m.cpu) ? `${fmt(m.cpu / nginx.more[i].cpu, 2)}x` : '-',
      ]),
    ]),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const lines = [];
  for (const [i, row] of rows.entries()) {
    lines.push(`| ${row.map((cell, j) => cell.padEnd(widths[j])).join(' | ')} |`);
    if (i === 0) lines.push(`| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`);
  }
  return lines.join('\n');
}

async function main() {
  requireTools([
    'wrk',
    'nginx',
    ...(ONLY.some((key) => key === 'haproxy' || key === 'ours-haproxy') ? ['haproxy'] : []),
  ]);
  // `nginx -v` prints its version on stderr.
  const nginxVersion = spawnSync('nginx', ['-v'], { encoding: 'utf8' }).stderr.trim();
  const loadAtStart = loadAverageText(loadavg());
  const settings =
    `wrk -t1 -c${CONNECTION_LIST.join(' and -c')}, ${DURATION_S} s measured after ${WARMUP_S} s warm-up, ` +
    `${ROUNDS} round(s) interleaved${PAIRED ? ', ours and the baseline loaded together' : ''}`;
  console.log(
    `bench: node ${process.version}, ${cpus().length} cores, load average ${loadAtStart}; ${settings}`,
  );

  const backend = await startBackend();
  console.log(
    `bench: backend = service (WORK_DELAY_MS=0) on ${backend.host}:${backend.port}, pid ${backend.child.pid}`,
  );
  const targets = [];
  if (ONLY.includes('direct')) {
    targets.push({
      key: 'direct',
      name: 'service directly',
      url: `http://${backend.host}:${backend.port}/work`,
      pids: () => [],
    });
  }
  if (ONLY.includes('nginx')) targets.push(await startNginx(backend));
  if (ONLY.includes('ours')) {
    // Labelled with the last commit that changed what the bundle is built from (not HEAD, which
    // moves with everyone's commits), plus "+changes" for uncommitted edits to it.
    const sources = [
      'apps/controller/src/proxy',
      'apps/controller/src/config/proxy.config.ts',
      'bench/proxy/our-proxy.bench-entry.ts',
    ];
    const head = execFileSync('git', ['log', '-1', '--format=%h', '--', ...sources], { cwd: ROOT })
      .toString()
      .trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', ...sources], {
      cwd: ROOT,
    }).toString();
    const label =
      `ours (${head}${dirty ? '+changes' : ''})${OURS_SETTINGS ? ` ${OURS_SETTINGS}` : ''}` +
      (OURS_NODE_OPTIONS ? ` ${OURS_NODE_OPTIONS}` : '');
    targets.push(
      await startNodeProxy('ours', label, '127.66.0.11', buildOurProxyBundle(), backend, {
        OSA_BENCH_PROXY_SETTINGS: OURS_SETTINGS ?? '{}',
        ...(OURS_NODE_OPTIONS ? { NODE_OPTIONS: OURS_NODE_OPTIONS } : {}),
      }),
    );
  }
  if (OURS_WORKERS !== undefined) {
    // The same bundle with proxy.workers: N; its CPU is the primary's plus every worker's.
    const settings = { ...JSON.parse(OURS_SETTINGS ?? '{}'), workers: Number(OURS_WORKERS) };
    const primary = await startNodeProxy(
      'ours-workers',
      `ours, ${OURS_WORKERS} workers`,
      '127.66.0.17',
      buildOurProxyBundle(),
      backend,
      { OSA_BENCH_PROXY_SETTINGS: JSON.stringify(settings) },
    );
    const [primaryPid] = primary.pids();
    targets.push({ ...primary, pids: () => [primaryPid, ...childPidsOf(primaryPid)] });
  }
  if (BASELINE !== undefined) {
    const { commit, dir } = checkoutOurProxyAt(BASELINE);
    const bundle = buildOurProxyBundle(dir, `baseline-${commit}`);
    targets.push(
      await startNodeProxy(
        'ours-baseline',
        `ours @${commit} (baseline)`,
        '127.66.0.15',
        bundle,
        backend,
      ),
    );
  }
  for (const [key, script, name, host] of [
    ['http-proxy', 'http-proxy-bare.cjs', 'http-proxy 1.18.1 bare', '127.66.0.12'],
    ['undici', 'undici-bare.cjs', 'undici 7 Pool bare', '127.66.0.13'],
    ['node-http', 'node-http-bare.cjs', 'node:http bare (our transport)', '127.66.0.16'],
    ['undici-dispatch', 'undici-dispatch-bare.cjs', 'undici 7 Pool.dispatch bare', '127.66.0.19'],
  ]) {
    if (ONLY.includes(key))
      targets.push(await startNodeProxy(key, name, host, join(HERE, script), backend));
  }

  if (ONLY.includes('haproxy')) targets.push(await startBareHaproxy(backend));
  if (ONLY.includes('ours-haproxy')) targets.push(await startOursHaproxy());

  // Results by row and concurrency: `${key}@${connections}`.
  const results = new Map(
    targets.flatMap((t) => CONNECTION_LIST.map((c) => [`${t.key}@${c}`, []])),
  );
  const describe = (run) =>
    `${run.rps.toFixed(0)} req/s` +
    (Number.isFinite(run.cpuUsPerRequest) ? `, ${run.cpuUsPerRequest.toFixed(0)} µs CPU/req` : '');
  // --paired: ours and the baseline are loaded at the same time (one wrk each), so both see the
  // same background load; everything else runs alone.
  const pairedKeys = PAIRED ? ['ours', 'ours-baseline'] : [];
  const rounds = [
    ...(PAIRED ? [targets.filter((t) => pairedKeys.includes(t.key))] : []),
    ...targets.filter((t) => !pairedKeys.includes(t.key)).map((t) => [t]),
  ];
  for (let round = 1; round <= ROUNDS; round++) {
    for (const connections of CONNECTION_LIST) {
      const settingsOfRun = { seconds: DURATION_S, warmupSeconds: WARMUP_S, connections };
      for (const group of rounds) {
        const names = group.map((t) => t.name).join(' + ');
        const runs = await Promise.all(group.map((t) => measure(t.url, t.pids, settingsOfRun)));
        group.forEach((t, i) => results.get(`${t.key}@${connections}`).push(runs[i]));
        console.log(
          `bench: round ${round}/${ROUNDS} -c${connections} ${names}: ${runs.map(describe).join(' | ')}`,
        );
      }
    }
  }

  // Median over rounds of each figure.
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const summarize = (runs) => ({
    rps: median(runs.map((r) => r.rps)),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    errors: runs.reduce((s, r) => s + r.errors, 0),
    cpu: median(runs.map((r) => r.cpuUsPerRequest)),
    user: median(runs.map((r) => r.userUsPerRequest)),
    sys: median(runs.map((r) => r.sysUsPerRequest)),
    rss: Math.max(...runs.map((r) => r.rss)),
  });
  const summary = targets.map((t) => ({
    key: t.key,
    name: t.name,
    ...summarize(results.get(`${t.key}@${CONNECTIONS}`)),
    // The other concurrencies (`--connections 64,256`): their own figures, for extra columns.
    more: CONNECTION_LIST.slice(1).map((c) => ({
      connections: c,
      ...summarize(results.get(`${t.key}@${c}`)),
    })),
  }));
  const table = formatTable(summary);
  // The spread says how far to trust a difference between two medians on a shared machine.
  const perRound = targets
    .filter((t) =>
      results.get(`${t.key}@${CONNECTIONS}`).some((r) => Number.isFinite(r.cpuUsPerRequest)),
    )
    .map(
      (t) =>
        `- ${t.name}: ${CONNECTION_LIST.map(
          (c) =>
            `-c${c} ${results
              .get(`${t.key}@${c}`)
              .map((r) => r.cpuUsPerRequest.toFixed(0))
              .join(', ')}`,
        ).join('; ')}`,
    )
    .join('\n');
  const loadAtEnd = loadAverageText(loadavg());
  console.log(`\n${table}\n\nCPU µs/req in each round:\n${perRound}`);
  console.log(
    `\nbench: load average at the end ${loadAtEnd} (the machine is shared: compare CPU µs/req, not req/s alone)`,
  );

  if (RESULTS !== 'none') {
    const command = `node ${relative(ROOT, process.argv[1])} ${args.join(' ')}`.trim();
    writeFileSync(
      RESULTS,
      [
        '# Data-path benchmark: last run',
        '',
        `Written by \`bench/proxy/run-proxy-bench.mjs\` (see README.md); medians over the rounds.`,
        '',
        `- date: ${new Date().toISOString()}`,
        `- command: \`${command}\``,
        `- machine: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), node ${process.version}, ${nginxVersion}`,
        `- load average (1/5/15 min): ${loadAtStart} at the start, ${loadAtEnd} at the end`,
        `- load: ${settings}; backend: the service, WORK_DELAY_MS=0`,
        '- CPU µs/req = (utime + stime of the proxy processes) / requests served in the measured run',
        '',
        table,
        '',
        'CPU µs/req in each round (the spread between identical runs on this shared machine):',
        '',
        perRound,
        '',
      ].join('\n'),
    );
    console.log(`bench: wrote ${relative(ROOT, RESULTS)}`);
  }
}

main()
  .catch((error) => {
    console.error(`bench failed: ${error.message}`);
    process.exitCode = 1;
  })
  .finally(stopAll);
