/**
 * Helpers of devcloud-seed.acceptance.spec.ts: whether a real cloud is configured, unique names,
 * cleanup registered before anything can fail, and the loopback guard.
 */
import { randomBytes } from 'node:crypto';
import { isIPv4 } from 'node:net';

export const CLOUD_CONFIGURED = Boolean(process.env['OS_CLOUD'] || process.env['OS_AUTH_URL']);
const SKIP_REASON =
  'no OpenStack configured (set OS_CLOUD, or the OS_* variables of an openrc, to run it; see docs/testing.md)';

/** `describe` with a cloud, else `describe.skip` saying why (in the title and on stderr). */
export function describeWithCloud(title: string, body: () => void): void {
  if (CLOUD_CONFIGURED) {
    describe(title, body);
    return;
  }
  process.stderr.write(`[acceptance] SKIPPED "${title}": ${SKIP_REASON}\n`);
  describe.skip(`${title} [skipped: ${SKIP_REASON}]`, body);
}

/** `osa-acc-<6 hex>`: the prefix of everything this run creates (.ci/devcloud.sh sweeps leftovers by it). */
export function runTag(): string {
  return `osa-acc-${randomBytes(3).toString('hex')}`;
}

/** The cloud settings of this process (OS_* only), for the controller child process. */
export function cloudVariables(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env))
    if (key.startsWith('OS_') && value !== undefined) env[key] = value;
  if (process.env['HOME']) env['HOME'] = process.env['HOME'];
  return env;
}

/** Cleanup steps run newest first; every step bounded, all attempted, failures reported together. */
export class AcceptanceCleanup {
  private readonly steps: Array<{ label: string; run: () => Promise<unknown> }> = [];

  add(label: string, run: () => Promise<unknown>): void {
    this.steps.push({ label, run });
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
      throw new Error(`cleanup failed (run .ci/devcloud.sh sweep):\n  ${failures.join('\n  ')}`);
  }
}

export function isLoopbackIPv4(address: string): boolean {
  return isIPv4(address) && address.split('.')[0] === '127';
}

/** An IPv4 CIDR wholly inside 127.0.0.0/8: every address Neutron hands out on it is loopback. */
export function isLoopbackCidr(cidr: string): boolean {
  const [address, prefix] = cidr.split('/');
  return isLoopbackIPv4(address) && Number(prefix) >= 8;
}

export function assertLoopback(address: string, what: string): void {
  if (!isLoopbackIPv4(address)) {
    throw new Error(
      `${what} is ${JSON.stringify(address)}, outside 127.0.0.0/8: acceptance suites only send traffic to loopback addresses (run them against the devcloud)`,
    );
  }
}

/** `host:port` -> host. */
export function hostOf(hostPort: string | undefined): string {
  return (hostPort ?? '').replace(/:\d+$/, '');
}
