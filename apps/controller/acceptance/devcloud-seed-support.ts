/**
 * Helpers of devcloud-seed.acceptance.spec.ts: whether a real cloud is configured, unique names,
 * cleanup registered before anything can fail, and the loopback guard.
 */
export {
  AcceptanceCleanup,
  acceptanceRunTag as runTag,
  assertLoopback,
  isLoopbackCidr,
  isLoopbackIPv4,
} from '@osa/openstack-testkit';

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

/** The cloud settings of this process (OS_* only), for the controller child process. */
export function cloudVariables(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env))
    if (key.startsWith('OS_') && value !== undefined) env[key] = value;
  if (process.env['HOME']) env['HOME'] = process.env['HOME'];
  return env;
}

/** `host:port` -> host. */
export function hostOf(hostPort: string | undefined): string {
  return (hostPort ?? '').replace(/:\d+$/, '');
}
