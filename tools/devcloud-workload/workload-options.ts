/**
 * The runner's command line, as the devcloud gives it (placeholders filled in):
 *   --dir {dir} --disk {disk} --ip {ip} --port {port} [--name {name}] [--uuid {uuid}] [--unit-env K=V]...
 * The instance id comes from --uuid or the devcloud's DEVCLOUD_UUID, the name from --name or
 * DEVCLOUD_NAME: the devcloud splits its command line after filling in the placeholders, so a
 * server name with a space or a quote would break argv; .ci/devcloud.sh leaves the name to the env.
 */
import * as net from 'node:net';

export interface WorkloadOptions {
  dir: string;
  disk: string;
  ip: string;
  port: number;
  name: string;
  instanceId: string;
  unitEnv: Record<string, string>;
}

export class WorkloadUsageError extends Error {
  constructor(field: string, reason: string) {
    super(`devcloud workload runner: ${field}: ${reason}`);
    this.name = 'WorkloadUsageError';
  }
}

export const USAGE =
  'usage: main.js --dir DIR --disk DISK --ip IP --port PORT [--name NAME] [--uuid UUID] [--unit-env NAME=VALUE]... (name and uuid default to DEVCLOUD_NAME and DEVCLOUD_UUID)';

export function parseWorkloadOptions(argv: string[], env: NodeJS.ProcessEnv): WorkloadOptions {
  const values: Record<string, string> = {};
  const unitEnv: Record<string, string> = {};
  const known = new Set(['dir', 'disk', 'ip', 'port', 'name', 'uuid', 'unit-env']);
  for (let i = 0; i < argv.length; i++) {
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(argv[i]);
    if (!match || !known.has(match[1]))
      throw new WorkloadUsageError(argv[i], `unknown argument. ${USAGE}`);
    const value = match[2] ?? argv[++i];
    if (value === undefined) throw new WorkloadUsageError(`--${match[1]}`, 'needs a value');
    if (match[1] === 'unit-env') {
      const at = value.indexOf('=');
      if (at <= 0)
        throw new WorkloadUsageError('--unit-env', `${JSON.stringify(value)} is not NAME=VALUE`);
      unitEnv[value.slice(0, at)] = value.slice(at + 1);
    } else values[match[1]] = value;
  }
  values['name'] ??= env['DEVCLOUD_NAME'] ?? '';
  for (const field of ['dir', 'disk', 'ip', 'port']) {
    if (!values[field]) throw new WorkloadUsageError(`--${field}`, `missing. ${USAGE}`);
  }
  if (!values['dir'].startsWith('/') || !values['disk'].startsWith('/')) {
    throw new WorkloadUsageError('--dir/--disk', 'must be absolute paths');
  }
  if (net.isIP(values['ip']) === 0)
    throw new WorkloadUsageError('--ip', `${JSON.stringify(values['ip'])} is not an IP address`);
  const port = Number(values['port']);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new WorkloadUsageError('--port', `${JSON.stringify(values['port'])}: expected 1-65535`);
  }
  const instanceId = values['uuid'] ?? env['DEVCLOUD_UUID'];
  if (!instanceId || !/^[A-Za-z0-9-]{1,64}$/.test(instanceId)) {
    throw new WorkloadUsageError(
      '--uuid / DEVCLOUD_UUID',
      `${JSON.stringify(instanceId ?? '')}: expected the server id (letters, digits, dashes)`,
    );
  }
  return {
    dir: values['dir'],
    disk: values['disk'],
    ip: values['ip'],
    port,
    name: values['name'],
    instanceId,
    unitEnv,
  };
}
