/**
 * Helpers shared by the acceptance suites that run against a REAL cloud (the devcloud, or any
 * cloud named by OS_CLOUD): resource naming, cleanup registered the moment an id exists, the
 * loopback guard, and one bounded GET. Used by the client, tools and controller suites alike;
 * nothing here talks to the fake.
 */
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import { isIPv4 } from 'node:net';
import { describeOrSkip } from './describe-or-skip';

/** Everything the acceptance suites create is named `osa-acc-<random>-...` (.ci/devcloud.sh sweeps leftovers by it). */
export const ACCEPTANCE_NAME_PREFIX = 'osa-acc-';

/** Set when a cloud is configured the way the `openstack` CLI reads it (OS_CLOUD, or an openrc's OS_AUTH_URL). */
export const CLOUD_CONFIGURED = Boolean(process.env['OS_CLOUD'] || process.env['OS_AUTH_URL']);

const NO_CLOUD_REASON =
  'no OpenStack configured (set OS_CLOUD, or the OS_* variables of an openrc, to run it; see docs/testing.md)';

/** `describe` when a cloud is configured, else `describe.skip` with the reason in the title and on stderr. */
export function describeWithCloud(title: string, body: () => void): void {
  describeOrSkip(title, body, CLOUD_CONFIGURED ? undefined : NO_CLOUD_REASON, 'acceptance');
}

/** A per-run random tag, `osa-acc-<6 hex>`; suites append what the resource is. */
export function acceptanceRunTag(): string {
  return `${ACCEPTANCE_NAME_PREFIX}${randomBytes(3).toString('hex')}`;
}

/** Cleanup steps run newest first; every step bounded, all attempted, failures reported together. */
export class AcceptanceCleanup {
  private readonly steps: Array<{ label: string; run: () => Promise<unknown> }> = [];

  add(label: string, run: () => Promise<unknown>): void {
    this.steps.push({ label, run });
  }

  get pending(): number {
    return this.steps.length;
  }

  async runAll(stepTimeoutMs = 120_000): Promise<void> {
    const failures: string[] = [];
    for (let step = this.steps.pop(); step; step = this.steps.pop()) {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          step.run(),
          new Promise((_, reject) => {
            timer = setTimeout(
              () => reject(new Error(`did not finish within ${stepTimeoutMs} ms`)),
              stepTimeoutMs,
            );
          }),
        ]);
      } catch (err) {
        failures.push(`${step.label}: ${err instanceof Error ? err.message : String(err)}`);
      } finally {
        clearTimeout(timer);
      }
    }
    if (failures.length)
      throw new Error(
        `cleanup failed (delete these by hand or run .ci/devcloud.sh sweep):\n  ${failures.join('\n  ')}`,
      );
  }
}

// Loopback only: never send a byte to an address a server reports unless it is inside 127/8.

/** IPv4 inside 127.0.0.0/8. */
export function isLoopbackIPv4(address: string): boolean {
  return isIPv4(address) && address.split('.')[0] === '127';
}

/** An IPv4 CIDR wholly inside 127.0.0.0/8: every address Neutron hands out on it is loopback. */
export function isLoopbackCidr(cidr: string): boolean {
  const [address, prefix] = cidr.split('/');
  return isLoopbackIPv4(address) && Number(prefix) >= 8;
}

/** Throws unless `address` is an IPv4 address inside 127.0.0.0/8. Call before every connection to a server's address. */
export function assertLoopback(address: string, what: string): void {
  if (!isLoopbackIPv4(address)) {
    throw new Error(
      `${what} is ${JSON.stringify(address)}, outside 127.0.0.0/8: the acceptance suites only send traffic to loopback addresses (run them against the devcloud)`,
    );
  }
}

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One GET to a loopback address (asserted first), bounded by `timeoutMs`; rejects on connection errors. */
export function httpGet(
  host: string,
  port: number,
  urlPath: string,
  timeoutMs = 5_000,
): Promise<HttpAnswer> {
  assertLoopback(host, 'HTTP target');
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port, path: urlPath, timeout: timeoutMs, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      res.on('error', reject);
    });
    req.on('timeout', () =>
      req.destroy(
        new Error(`GET http://${host}:${port}${urlPath}: no answer within ${timeoutMs} ms`),
      ),
    );
    req.on('error', reject);
  });
}
