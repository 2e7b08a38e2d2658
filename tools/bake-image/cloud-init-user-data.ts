/**
 * The cloud-init user data that turns a stock Ubuntu server into the seed's service-vm-1
 * (seed sections 8-9) with no SSH session:
 *
 *   packages     nodejs (the distribution's own; the bundle targets Node 10+) and curl
 *   write_files  /opt/service/main.js (gzip+base64), /etc/systemd/system/service-app.service,
 *                /var/lib/osa-bake/ready-check.sh
 *   runcmd       ready-check.sh: enable + start the unit, poll http://localhost:<port><health>,
 *                then print the ready marker (or the failed marker with a reason) to the console
 *
 * Nova stores at most 65,535 bytes of user data *after* base64 (API reference, "Create Server",
 * `user_data`), so the size is checked here, before any cloud call, and the error gives every size.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { stringify } from 'yaml';

/** Nova's limit on the base64-encoded `user_data` (compute API reference, Create Server). */
export const NOVA_USER_DATA_LIMIT_BYTES = 65_535;

export const BUNDLE_PATH_IN_VM = '/opt/service/main.js';
export const UNIT_PATH_IN_VM = '/etc/systemd/system/service-app.service';
export const READY_CHECK_PATH_IN_VM = '/var/lib/osa-bake/ready-check.sh';

/** Printed (as `<marker>:<bake id>`) on the console once the service answers its health check. */
export const READY_MARKER = 'OSA-BAKE-READY';
/** Printed (as `<marker>:<bake id> <reason>`) when the VM cannot get the service healthy. */
export const FAILED_MARKER = 'OSA-BAKE-FAILED';

export interface UserDataInput {
  bundle: Buffer;
  unitText: string;
  /** Unique per base VM: the marker the bake waits for carries it, so an old console line never counts. */
  bakeId: string;
  servicePort: number;
  healthPath: string;
  /** Health attempts inside the VM (2 s apart) before it reports failure. Default 90 (3 minutes). */
  healthAttempts?: number;
}

export interface UserDataSizes {
  bundleBytes: number;
  bundleGzipBytes: number;
  userDataBytes: number;
  base64Bytes: number;
  limitBytes: number;
}

export interface CloudInitUserData {
  /** The `#cloud-config` document, as the server will receive it. */
  text: string;
  /** The shell script that runs from runcmd (also embedded in `text`). */
  readyCheckScript: string;
  /** `OSA-BAKE-READY:<bakeId>`. */
  readyLine: string;
  /** `OSA-BAKE-FAILED:<bakeId>`. */
  failedLine: string;
  sizes: UserDataSizes;
}

export class UserDataTooLargeError extends Error {
  constructor(readonly sizes: UserDataSizes) {
    super(
      `bundle too large for Nova user data: the cloud-init user data is ${sizes.base64Bytes} bytes after base64 ` +
        `(${sizes.userDataBytes} bytes before; bundle ${sizes.bundleBytes} bytes, ${sizes.bundleGzipBytes} gzipped), ` +
        `over Nova's limit of ${sizes.limitBytes} bytes. Make the bundle smaller (it is gzipped already), ` +
        'or bake from a base image that already contains it.',
    );
    this.name = 'UserDataTooLargeError';
  }
}

const BAKE_ID_PATTERN = /^[A-Za-z0-9-]{4,64}$/;

export function base64Length(bytes: number): number {
  return 4 * Math.ceil(bytes / 3);
}

export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Builds the user data and checks it against Nova's limit (UserDataTooLargeError with the sizes). */
export function buildCloudInitUserData(input: UserDataInput): CloudInitUserData {
  if (!BAKE_ID_PATTERN.test(input.bakeId)) {
    throw new Error(
      `bake id ${JSON.stringify(input.bakeId)}: expected 4-64 letters, digits or dashes`,
    );
  }
  const bundleGzip = gzipSync(input.bundle, { level: 9 });
  const readyCheckScript = renderReadyCheckScript(input);
  const document = {
    // Node.js and curl from the distribution (seed 8 installs python3 the same way).
    package_update: true,
    packages: ['nodejs', 'curl'],
    write_files: [
      {
        path: BUNDLE_PATH_IN_VM,
        encoding: 'gz+b64',
        content: bundleGzip.toString('base64'),
        permissions: '0644',
      },
      { path: UNIT_PATH_IN_VM, content: input.unitText, permissions: '0644' },
      { path: READY_CHECK_PATH_IN_VM, content: readyCheckScript, permissions: '0755' },
    ],
    // The list form runs the script directly (no /bin/sh re-parsing of a command string).
    runcmd: [['bash', READY_CHECK_PATH_IN_VM]],
  };
  const text = `#cloud-config\n${stringify(document, { lineWidth: 0 })}`;
  const userDataBytes = Buffer.byteLength(text);
  const sizes: UserDataSizes = {
    bundleBytes: input.bundle.length,
    bundleGzipBytes: bundleGzip.length,
    userDataBytes,
    base64Bytes: base64Length(userDataBytes),
    limitBytes: NOVA_USER_DATA_LIMIT_BYTES,
  };
  if (sizes.base64Bytes > NOVA_USER_DATA_LIMIT_BYTES) throw new UserDataTooLargeError(sizes);
  return {
    text,
    readyCheckScript,
    readyLine: `${READY_MARKER}:${input.bakeId}`,
    failedLine: `${FAILED_MARKER}:${input.bakeId}`,
    sizes,
  };
}

/**
 * The runcmd script. The marker is assembled at run time (printf '%s:%s'), so the literal
 * `OSA-BAKE-READY:<id>` never appears in the user data itself: only the VM running this script
 * can print it, even if a cloud echoes user data to the console.
 */
function renderReadyCheckScript(input: UserDataInput): string {
  const attempts = input.healthAttempts ?? 90;
  const healthUrl = `http://localhost:${input.servicePort}${input.healthPath}`;
  return `#!/bin/bash
# Written by tools/bake-image: runs once, on the base VM's first boot (cloud-init runcmd).
# Starts the service under systemd (seed section 9), checks it from inside the VM, and reports
# the outcome on the serial console, where the bake reads it (Nova os-getConsoleOutput).
set -u
bake_id=${shellQuote(input.bakeId)}
health_url=${shellQuote(healthUrl)}
attempts=${attempts}

to_console() {
  printf '%s\\n' "$1"
  printf '%s\\n' "$1" > /dev/console 2>/dev/null || true
}

fail() {
  to_console "$(printf '%s:%s' ${FAILED_MARKER} "$bake_id") $1"
  exit 1
}

command -v node > /dev/null 2>&1 || fail "node is not installed (apt package nodejs failed?)"
systemctl daemon-reload || fail "systemctl daemon-reload failed"
systemctl enable --now service-app.service ||
  fail "systemctl enable --now service-app.service failed: $(systemctl status service-app.service --no-pager 2>&1 | tail -n 3 | tr '\\n' ' ')"

attempt=1
while [ "$attempt" -le "$attempts" ]; do
  if curl -fsS --max-time 5 -o /dev/null "$health_url"; then
    to_console "$(printf '%s:%s' ${READY_MARKER} "$bake_id") $health_url healthy after $attempt attempt(s), node $(node --version)"
    exit 0
  fi
  # A unit systemd gave up on (it exits at once, start limit reached) will never answer: say so now.
  if [ "$(systemctl is-active service-app.service 2>/dev/null)" = failed ]; then
    fail "service-app.service failed: $(journalctl -u service-app.service -n 5 --no-pager 2>&1 | tr '\\n' ' ')"
  fi
  sleep 2
  attempt=$((attempt + 1))
done
fail "$health_url not healthy after $attempts attempts: $(journalctl -u service-app.service -n 5 --no-pager 2>&1 | tr '\\n' ' ')"
`;
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** What the console says about a bake id: the ready line, the failure reason, or nothing yet. */
export function readConsoleVerdict(
  consoleText: string,
  bakeId: string,
  markers: { ready: string; failed: string } = { ready: READY_MARKER, failed: FAILED_MARKER },
): { kind: 'ready'; line: string } | { kind: 'failed'; reason: string } | { kind: 'pending' } {
  for (const rawLine of consoleText.split(/\r?\n/)) {
    const line = rawLine.trim();
    const ready = line.indexOf(`${markers.ready}:${bakeId}`);
    if (ready !== -1) return { kind: 'ready', line: line.slice(ready) };
    const failed = line.indexOf(`${markers.failed}:${bakeId}`);
    if (failed !== -1) {
      return {
        kind: 'failed',
        reason: line.slice(failed + markers.failed.length + 1 + bakeId.length).trim(),
      };
    }
  }
  return { kind: 'pending' };
}
