/**
 * Helpers of devcloud-seed.acceptance.spec.ts: whether a real cloud is configured, unique names,
 * cleanup registered before anything can fail, and the loopback guard.
 */
export {
  AcceptanceCleanup,
  CLOUD_CONFIGURED,
  describeWithCloud,
  acceptanceRunTag as runTag,
  assertLoopback,
  isLoopbackCidr,
  isLoopbackIPv4,
} from '@osa/openstack-testkit';

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
