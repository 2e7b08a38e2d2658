#!/usr/bin/env node
// Where does our proxy's CPU go? Runs the controller's ProxyServer (the bench entry, every hygiene
// step) under `node --cpu-prof` in front of the zero-delay service, drives it with a bounded wrk
// run, stops it by PID (the profile is written on exit) and prints the self time by layer (Node's
// HTTP server, HTTP client, undici, streams, ours, ...), the functions with the most self time
// and the most total (inclusive) time, plus GC and idle shares. `--target undici` profiles the
// bare undici Pool forwarder (undici-bare.cjs) the same way, so the two layer tables show where
// our remaining cost goes relative to it.
//
//   npx nx build service   # once
//   node bench/proxy/profile-proxy.mjs [--duration 10] [--connections 64] [--top 25]
//                                      [--target ours|undici] [--keep /tmp/somewhere.cpuprofile]
//
// Profiling costs CPU itself: compare its µs/request only with other profiled runs.
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  buildOurProxyBundle,
  freePort,
  loadAverageText,
  measure,
  option,
  outputMatches,
  requireTools,
  startBackend,
  startChild,
  stopAll,
  stopChild,
} from './bench-harness.mjs';

const args = process.argv.slice(2);
const DURATION_S = Number(option(args, 'duration', '10'));
const CONNECTIONS = Number(option(args, 'connections', '64'));
const TOP = Number(option(args, 'top', '25'));
const KEEP = option(args, 'keep', undefined);
const TARGET = option(args, 'target', 'ours');
if (!(DURATION_S > 0 && DURATION_S <= 120 && CONNECTIONS > 0 && CONNECTIONS <= 1024 && TOP > 0)) {
  console.error('profile: --duration 1..120, --connections 1..1024, --top N>0');
  process.exit(2);
}
if (TARGET !== 'ours' && TARGET !== 'undici') {
  console.error(`profile: --target is ours or undici, got "${TARGET}"`);
  process.exit(2);
}
const HERE = dirname(fileURLToPath(import.meta.url));
/** How the profiled program's own code is labelled: our proxy, or the bare undici script. */
const OWN = TARGET === 'ours' ? 'ours' : 'forwarder';

/** Node's own modules, grouped by the layer of a forwarding proxy they belong to. */
const NODE_LAYERS = [
  [/^node:_http_(client|agent)$/, 'node:http client (ClientRequest, Agent)'],
  [
    /^node:_http_(server|incoming|outgoing|common)$/,
    'node:http server + shared (parser, outgoing)',
  ],
  [/^node:(net|internal\/stream_base_commons|internal\/streams\/.*|stream)$/, 'net + streams'],
  [/^node:(events|internal\/events\/.*)$/, 'events'],
  [/^node:(timers|internal\/timers)$/, 'timers'],
  [/^node:internal\/process\/task_queues$/, 'nextTick / microtasks'],
];

/** Which layer a sampled frame's self time belongs to. */
function layerOf(callFrame, bundle) {
  const { functionName, url } = callFrame;
  if (functionName === '(garbage collector)') return 'GC';
  if (!url) {
    if (functionName === '(program)' || functionName === '(idle)') return functionName;
    return 'native (socket writes, buffers, parser)';
  }
  if (url.includes(bundle)) return OWN;
  if (url.includes('/undici/')) return 'undici';
  for (const [pattern, layer] of NODE_LAYERS) if (pattern.test(url)) return layer;
  return 'other (node internals, startup)';
}

/** `name file:line` of a profile node, short enough for a table. */
function frameKey(callFrame, bundle) {
  const { functionName, url, lineNumber } = callFrame;
  const name = functionName || '(anonymous)';
  if (!url) return name;
  const file = url.includes(bundle)
    ? OWN
    : url.replace(/^.*node_modules\//, '').replace(/^file:\/\//, '');
  return `${name} ${file}:${lineNumber + 1}`;
}

/** Self and inclusive milliseconds per frame key, from the samples and their time deltas. */
function summarize(profile, bundle) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parentOf = new Map();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parentOf.set(child, node.id);
  const self = new Map();
  const total = new Map();
  const layers = new Map();
  let allMs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    allMs += ms;
    let id = profile.samples[i];
    const leafKey = frameKey(byId.get(id).callFrame, bundle);
    self.set(leafKey, (self.get(leafKey) ?? 0) + ms);
    const layer = layerOf(byId.get(id).callFrame, bundle);
    layers.set(layer, (layers.get(layer) ?? 0) + ms);
    const seen = new Set();
    while (id !== undefined) {
      const key = frameKey(byId.get(id).callFrame, bundle);
      if (!seen.has(key)) {
        seen.add(key);
        total.set(key, (total.get(key) ?? 0) + ms);
      }
      id = parentOf.get(id);
    }
  }
  return { self, total, layers, allMs };
}

function printTop(title, map, busyMs, requests, filter = () => true) {
  console.log(`\n${title}`);
  console.log('|   ms   | % busy | µs/request | function |');
  console.log('|--------|--------|------------|----------|');
  const rows = [...map.entries()].filter(([k]) => filter(k)).sort((a, b) => b[1] - a[1]);
  for (const [key, ms] of rows.slice(0, TOP)) {
    const perRequest = ((1000 * ms) / requests).toFixed(1).padStart(10);
    const share = ((100 * ms) / busyMs).toFixed(1).padStart(5);
    console.log(`| ${ms.toFixed(0).padStart(6)} | ${share}% | ${perRequest} | ${key} |`);
  }
}

async function main() {
  requireTools(['wrk']);
  console.log(
    `profile: load average ${loadAverageText(loadavg())}; wrk -t1 -c${CONNECTIONS} ${DURATION_S} s`,
  );
  const backend = await startBackend();
  const bundle = TARGET === 'ours' ? buildOurProxyBundle() : join(HERE, 'undici-bare.cjs');
  const profileDir = mkdtempSync(join(tmpdir(), 'osa-proxy-profile-'));
  process.on('exit', () => rmSync(profileDir, { recursive: true, force: true }));
  const host = '127.66.0.11';
  const port = await freePort(host);
  const proxy = await startChild(
    `${TARGET} (profiled)`,
    process.execPath,
    [
      '--cpu-prof',
      `--cpu-prof-dir=${profileDir}`,
      bundle,
      host,
      String(port),
      backend.host,
      String(backend.port),
    ],
    { ready: outputMatches(/listening/) },
  );
  const run = await measure(`http://${host}:${port}/work`, () => [proxy.pid], {
    seconds: DURATION_S,
    warmupSeconds: 2,
    connections: CONNECTIONS,
  });
  await stopChild(proxy);
  console.log(
    `profile: ${run.requests} requests, ${run.rps.toFixed(0)} req/s, ${run.errors} errors, ` +
      `${run.cpuUsPerRequest.toFixed(0)} µs CPU/request (with the profiler on)`,
  );
  const file = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no .cpuprofile written in ${profileDir}`);
  if (KEEP) copyFileSync(join(profileDir, file), KEEP);
  const { self, total, layers, allMs } = summarize(
    JSON.parse(readFileSync(join(profileDir, file), 'utf8')),
    bundle,
  );
  const idleMs = self.get('(idle)') ?? 0;
  const busyMs = allMs - idleMs;
  const gcMs = self.get('(garbage collector)') ?? 0;
  console.log(
    `profile: ${allMs.toFixed(0)} ms sampled (warm-up included), idle ${idleMs.toFixed(0)}, busy ${busyMs.toFixed(0)}, ` +
      `GC ${gcMs.toFixed(0)} (${((100 * gcMs) / busyMs).toFixed(1)}% of busy)`,
  );
  printTop('Self time by layer', layers, busyMs, run.requests, (k) => k !== '(idle)');
  printTop('Self time (top)', self, busyMs, run.requests, (k) => k !== '(idle)');
  printTop(`Total time of the ${OWN} functions (top)`, total, busyMs, run.requests, (k) =>
    k.includes(` ${OWN}:`),
  );
  if (KEEP) console.log(`\nprofile: kept ${KEEP} (open it in Chrome DevTools > Performance)`);
}

main()
  .catch((error) => {
    console.error(`profile failed: ${error.message}`);
    process.exitCode = 1;
  })
  .finally(stopAll);
