// The two HAProxy rows of run-proxy-bench.mjs: `haproxy` (bare, haproxy.cfg.template) and
// `ours-haproxy` (the built controller with `dataPlane.kind: haproxy`, all its control-plane logic
// on: every forwarded request counted from the Runtime API's counters, target tracking evaluated,
// passive ejection fed, but thresholds no bench load reaches, so it never scales).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  HERE,
  ROOT,
  SERVICE_BUNDLE,
  childPidsOf,
  freePort,
  portAccepts,
  startChild,
} from './bench-harness.mjs';

const CONTROLLER_MAIN = join(ROOT, 'dist/apps/controller/main.js');

function privateDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export async function startBareHaproxy(backend) {
  const host = '127.66.0.21';
  const port = await freePort(host);
  const dir = privateDir('osa-bench-haproxy-');
  const conf = readFileSync(join(HERE, 'haproxy.cfg.template'), 'utf8')
    .replaceAll('@BACKEND@', `${backend.host}:${backend.port}`)
    .replaceAll('@LISTEN@', `${host}:${port}`);
  writeFileSync(join(dir, 'haproxy.cfg'), conf);
  const child = await startChild('haproxy', 'haproxy', ['-db', '-f', join(dir, 'haproxy.cfg')], {
    ready: portAccepts(host, port),
  });
  return {
    key: 'haproxy',
    name: 'HAProxy bare, 1 thread',
    url: `http://${host}:${port}/work`,
    pids: () => [child.pid],
  };
}

/** HAProxy's own command line among a process's children (not a path that contains the word). */
function haproxyChildOf(pid) {
  return childPidsOf(pid).filter((child) => {
    try {
      return /(^|\/)haproxy\0-db\0/.test(readFileSync(`/proc/${child}/cmdline`, 'utf8'));
    } catch {
      return false;
    }
  });
}

export async function startOursHaproxy() {
  if (!existsSync(CONTROLLER_MAIN))
    throw new Error(`${CONTROLLER_MAIN} is missing: npx nx build controller`);
  const host = '127.66.0.22';
  const port = await freePort(host);
  const dir = privateDir('osa-bench-ours-haproxy-');
  const config = {
    proxy: { listenHost: host, listenPort: port },
    admin: { listenHost: '127.66.0.23', listenPort: 0 },
    provider: {
      kind: 'local',
      local: {
        bundlePath: SERVICE_BUNDLE,
        firstAddress: '127.66.0.24',
        serviceEnv: { WORK_DELAY_MS: '0' },
        stateDir: join(dir, 'state'),
        imagesDir: join(dir, 'images'),
      },
    },
    scaling: {
      policies: ['request-count', 'requests-per-second', 'in-flight'],
      thresholdRequests: 1_000_000_000,
      targetRequestsPerSecond: 1_000_000,
      targetInFlight: 1_000_000,
    },
    log: { level: 'warn' },
    dataPlane: { kind: 'haproxy' },
  };
  writeFileSync(join(dir, 'controller.yaml'), JSON.stringify(config)); // YAML is a superset of JSON
  const child = await startChild(
    'ours-haproxy',
    process.execPath,
    [CONTROLLER_MAIN, '--config', join(dir, 'controller.yaml')],
    {
      ready: async () => {
        // The original instance is admitted when HAProxy serves /work with 200.
        for (;;) {
          const ok = await fetch(`http://${host}:${port}/work`).then(
            (response) => response.status === 200,
            () => false,
          );
          if (ok) return;
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      },
    },
  );
  return {
    key: 'ours-haproxy',
    name: 'ours-haproxy (controller + HAProxy)',
    url: `http://${host}:${port}/work`,
    pids: () => [child.pid, ...haproxyChildOf(child.pid)],
  };
}
