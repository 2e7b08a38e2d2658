// What an open dashboard costs the data path: the built controller (local provider, one
// instance, no scale-out possible) under the same wrk load, measured with nobody watching, with
// one /v1/stream reader (the dashboard's whole data feed), and with the /ui page open in
// headless Chromium (if installed), rounds interleaved. A script, not a test: it prints figures.
//
//   npx nx run-many -t build -p controller service
//   node bench/operator/dashboard-cost.mjs --duration 10 --rounds 3 --connections 64
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  freePort,
  loadAverageText,
  measure,
  option,
  outputMatches,
  requireTools,
  ROOT,
  SERVICE_BUNDLE,
  startChild,
  stopAll,
} from '../proxy/bench-harness.mjs';

const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const seconds = Number(option(args, 'duration', '10'));
const rounds = Number(option(args, 'rounds', '3'));
const connections = Number(option(args, 'connections', '64'));
const HOST = '127.66.1';
const CONTROLLER_MAIN = join(ROOT, 'dist/apps/controller/main.js');
const CHROMIUM = '/usr/bin/chromium';

requireTools(['wrk']);
if (!existsSync(CONTROLLER_MAIN)) throw new Error(`no ${CONTROLLER_MAIN}: npx nx build controller`);

async function startController(dir) {
  const adminPort = await freePort(`${HOST}.201`);
  const proxyPort = await freePort(`${HOST}.200`);
  const config = join(dir, 'controller.yaml');
  writeFileSync(
    config,
    [
      `proxy: { listenHost: ${HOST}.200, listenPort: ${proxyPort} }`,
      `admin: { listenHost: ${HOST}.201, listenPort: ${adminPort} }`,
      `provider: { kind: local, local: { bundlePath: ${SERVICE_BUNDLE}, firstAddress: ${HOST}.1, imagesDir: ${join(dir, 'images')}, serviceEnv: { WORK_DELAY_MS: "0" } } }`,
      // One instance and nothing to scale to: the run measures serving, not scaling.
      'scaling: { maxInstances: 1, thresholdRequests: 1000000000 }',
      'log: { level: warn }',
    ].join('\n'),
  );
  const child = await startChild(
    'controller',
    process.execPath,
    [CONTROLLER_MAIN, '--config', config],
    {
      ready: async () => {
        for (;;) {
          const ok = await new Promise((resolveCheck) => {
            const check = request(
              { host: `${HOST}.201`, port: adminPort, path: '/v1/instances' },
              (response) => {
                let body = '';
                response.on('data', (chunk) => (body += chunk));
                response.on('end', () => resolveCheck(body.includes('"phase":"admitted"')));
              },
            );
            check.on('error', () => resolveCheck(false));
            check.end();
          });
          if (ok) return;
          await new Promise((r) => setTimeout(r, 200));
        }
      },
    },
  );
  return {
    child,
    admin: `http://${HOST}.201:${adminPort}`,
    proxy: `http://${HOST}.200:${proxyPort}/`,
  };
}

/** The dashboard's data feed without a browser: read /v1/stream and parse nothing. */
function openStreamReader(adminUrl) {
  let bytes = 0;
  const reader = request(`${adminUrl}/v1/stream`, (response) =>
    response.on('data', (chunk) => (bytes += chunk.length)),
  );
  reader.on('error', () => undefined);
  reader.end();
  return { close: () => reader.destroy(), bytes: () => bytes };
}

async function openBrowserPage(adminUrl) {
  const { chromium } = require('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'osa-bench-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(`${adminUrl}/ui`);
  await page.waitForFunction(
    () => document.getElementById('connection')?.textContent === 'live',
    undefined,
    { timeout: 15_000 },
  );
  return {
    close: async () => (await context.close(), rmSync(profile, { recursive: true, force: true })),
  };
}

const dir = mkdtempSync(join(tmpdir(), 'osa-dashboard-bench-'));
const startLoad = loadavg();
const results = new Map();
try {
  const controller = await startController(dir);
  const variants = [
    ['nobody watching', async () => ({ close: () => undefined })],
    ['one /v1/stream reader', async () => openStreamReader(controller.admin)],
  ];
  if (existsSync(CHROMIUM))
    variants.push(['/ui open in headless Chromium', () => openBrowserPage(controller.admin)]);
  else console.log(`(no ${CHROMIUM}: the browser variant is skipped; apt-get install -y chromium)`);
  for (let round = 1; round <= rounds; round++) {
    for (const [name, open] of variants) {
      const viewer = await open();
      const run = await measure(controller.proxy, () => [controller.child.pid], {
        seconds,
        warmupSeconds: 3,
        connections,
      });
      await viewer.close();
      results.set(name, [...(results.get(name) ?? []), run]);
      console.log(
        `round ${round} ${name}: ${Math.round(run.rps)} req/s, p50 ${run.p50} ms, p99 ${run.p99} ms, ${Math.round(run.cpuUsPerRequest)} CPU µs/req, errors ${run.errors}`,
      );
    }
  }
} finally {
  stopAll();
  rmSync(dir, { recursive: true, force: true });
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
console.log(
  `\nload: wrk -t1 -c${connections}, ${seconds} s after 3 s warm-up, ${rounds} round(s) interleaved; load average ${loadAverageText(startLoad)} -> ${loadAverageText(loadavg())}`,
);
console.log('| controller, viewer | req/s | p50 ms | p99 ms | errors | controller CPU µs/req |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const [name, runs] of results) {
  const m = (key) => median(runs.map((run) => run[key]));
  console.log(
    `| ${name} | ${Math.round(m('rps'))} | ${m('p50')} | ${m('p99')} | ${m('errors')} | ${Math.round(m('cpuUsPerRequest'))} |`,
  );
}
