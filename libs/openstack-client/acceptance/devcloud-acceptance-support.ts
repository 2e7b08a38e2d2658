/**
 * Shared by the devcloud-*.acceptance.spec.ts suites: whether a real cloud is configured, unique
 * names, cleanup registered the moment an id exists, the loopback guard, and a tiny HTTP GET.
 *
 * These suites talk to a REAL OpenStack (CI: the devcloud started by .ci/devcloud.sh). Without
 * OS_CLOUD or OS_AUTH_URL they skip and say so. See docs/testing.md.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  AcceptanceCleanup,
  assertLoopback,
  httpGet,
  type HttpAnswer,
} from '@osa/openstack-testkit';
import { OpenStackClient, type OpenStackClientOptions } from '../src';

export {
  ACCEPTANCE_NAME_PREFIX as TEST_NAME_PREFIX,
  AcceptanceCleanup,
  CLOUD_CONFIGURED,
  describeWithCloud,
  acceptanceRunTag as runTag,
  assertLoopback,
  httpGet,
  isLoopbackIPv4,
  type HttpAnswer,
} from '@osa/openstack-testkit';

/** True when OS_CLOUD names one of the devcloud's clouds (the devcloud-only parts need its admin cloud and files). */
export function isDevcloud(): boolean {
  return /^devcloud/.test(process.env['OS_CLOUD'] ?? '');
}

/** Settings with sensible devcloud defaults, overridable to point the suites at another cloud. */
export const acceptanceSettings = {
  /** An image every project may boot (devcloud seeds `ubuntu`). */
  baseImage: process.env['OSA_ACC_IMAGE'] ?? 'ubuntu',
  /** The smallest flavor (devcloud seeds m1.tiny). */
  flavor: process.env['OSA_ACC_FLAVOR'] ?? 'm1.tiny',
  /** A network of the project (devcloud seeds `test`, 127.200.0.0/24). */
  network: process.env['OSA_ACC_NETWORK'] ?? 'test',
  /** clouds.yaml entry with admin rights (quota test); default devcloud-admin on the devcloud. */
  adminCloud: process.env['OSA_ACC_ADMIN_CLOUD'] ?? (isDevcloud() ? 'devcloud-admin' : undefined),
  /** An openrc file to authenticate from (default: the devcloud's, when present). */
  openrcFile:
    process.env['OSA_ACC_OPENRC'] ??
    (fs.existsSync('/var/lib/devcloud/openrc-demo') ? '/var/lib/devcloud/openrc-demo' : undefined),
  /** Port the devcloud's workload (our service bundle) listens on at each server address. */
  servicePort: Number(process.env['OSA_ACC_SERVICE_PORT'] ?? 5000),
};

/** Client settings for acceptance: short request timeout, a few retries. */
const CLIENT_OVERRIDES: Omit<OpenStackClientOptions, 'auth'> = { timeoutMs: 30_000 };

/** The client as the CLI would build it from OS_CLOUD / OS_* (the cloud under test). */
export function clientFromEnvironment(
  overrides: Omit<OpenStackClientOptions, 'auth'> = {},
): OpenStackClient {
  return OpenStackClient.fromEnvironment({ overrides: { ...CLIENT_OVERRIDES, ...overrides } });
}

/** Long waits get bounds and progress lines. */
export function waitOptions(
  label: string,
  timeoutMs: number,
): {
  timeoutMs: number;
  onProgress: (p: { status: string; elapsedMs: number; attempt: number }) => void;
} {
  let lastLineMs = 0;
  return {
    timeoutMs,
    onProgress: (p) => {
      if (p.elapsedMs - lastLineMs >= 5_000) {
        lastLineMs = p.elapsedMs;
        process.stderr.write(
          `[acceptance] ${label}: ${p.status} after ${Math.round(p.elapsedMs / 1000)} s (poll ${p.attempt})\n`,
        );
      }
    },
  };
}

/** Registers a server's deletion, waiting until Nova answers 404 (so quotas and ports are free again). */
export function cleanupServer(
  cleanup: AcceptanceCleanup,
  client: OpenStackClient,
  serverId: string,
): void {
  cleanup.add(`delete server ${serverId}`, async () => {
    await client.compute.servers.delete(serverId);
    await client.compute.servers.waitForDeleted(
      serverId,
      waitOptions(`server ${serverId} deleting`, 90_000),
    );
  });
}

export function cleanupImage(
  cleanup: AcceptanceCleanup,
  client: OpenStackClient,
  imageId: string,
): void {
  cleanup.add(`delete image ${imageId}`, () => client.image.images.delete(imageId));
}

/** Polls GET until it answers 200 or `timeoutMs` passes (the workload starts a moment after ACTIVE). */
export async function waitForHttp200(
  host: string,
  port: number,
  path: string,
  timeoutMs: number,
): Promise<HttpAnswer> {
  assertLoopback(host, 'HTTP target');
  const deadline = Date.now() + timeoutMs;
  let last = 'no attempt yet';
  for (;;) {
    try {
      const answer = await httpGet(host, port, path, 3_000);
      if (answer.status === 200) return answer;
      last = `status ${answer.status}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() >= deadline)
      throw new Error(
        `GET http://${host}:${port}${path} did not answer 200 within ${timeoutMs} ms (last: ${last})`,
      );
    await new Promise((r) => setTimeout(r, 250));
  }
}

// ---------------------------------------------------------------------------------------------
// openrc: read the `export OS_...=...` lines (never sourced into this process).
// ---------------------------------------------------------------------------------------------

/** Parses `export NAME=value` lines (optionally quoted) of an openrc file into variables. */
export function parseOpenrc(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!match)
      throw new Error(
        `openrc: cannot read line ${JSON.stringify(line.replace(/PASSWORD=.*/, 'PASSWORD=***'))}`,
      );
    let value = match[2];
    if (
      (value.startsWith('"') && value.endsWith('"')) ||
      (value.startsWith("'") && value.endsWith("'"))
    )
      value = value.slice(1, -1);
    vars[match[1]] = value;
  }
  return vars;
}

/**
 * `#cloud-config` user data that makes a stock Ubuntu server run the built service (nodejs from
 * the distribution, the bundle and its systemd unit, `systemctl enable --now`). The devcloud's
 * workload runner applies it like cloud-init; without user data a server there runs nothing.
 * JSON is YAML, so no YAML library is needed; `cloud-init schema` accepts it.
 */
export function serviceUserData(servicePort: number): string {
  const workspaceRoot = path.resolve(__dirname, '../../..');
  const bundlePath = path.join(workspaceRoot, 'dist/apps/service/main.js');
  if (!fs.existsSync(bundlePath)) {
    throw new Error(`${bundlePath} is missing: build it first (npx nx build service)`);
  }
  const unitText = fs
    .readFileSync(path.join(workspaceRoot, 'apps/service/deploy/service-app.service'), 'utf8')
    .replace(/\bPORT=\d+/, `PORT=${servicePort}`);
  const config = {
    packages: ['nodejs'],
    write_files: [
      {
        path: '/opt/service/main.js',
        encoding: 'gz+b64',
        content: gzipSync(fs.readFileSync(bundlePath)).toString('base64'),
        permissions: '0644',
      },
      { path: '/etc/systemd/system/service-app.service', content: unitText, permissions: '0644' },
    ],
    runcmd: [['systemctl', 'enable', '--now', 'service-app.service']],
  };
  return `#cloud-config\n${JSON.stringify(config, null, 1)}\n`;
}
