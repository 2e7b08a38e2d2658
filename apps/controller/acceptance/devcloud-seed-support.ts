/**
 * Helpers of the devcloud acceptance suites (seed, refresh, warm pool): whether a real cloud is configured, unique
 * names, cleanup registered before anything can fail, the loopback guard, the bake's user data, a baked server and
 * its golden image, and the operator's `openstack server list`.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { extractAddress, type OpenStackClient, type Server } from '@osa/openstack-client';
import { assertLoopback, findSystemTool } from '@osa/openstack-testkit';
import { httpGet } from '../e2e/support/http-get';

export {
  AcceptanceCleanup,
  CLOUD_CONFIGURED,
  describeWithCloud,
  acceptanceRunTag as runTag,
  assertLoopback,
  isLoopbackCidr,
  isLoopbackIPv4,
} from '@osa/openstack-testkit';

/** What the acceptance suites boot, overridable from the environment (defaults: the devcloud's names). */
export const ACCEPTANCE_SETTINGS = {
  network: process.env['OSA_ACC_NETWORK'] ?? 'test',
  baseImage: process.env['OSA_ACC_IMAGE'] ?? 'ubuntu',
  flavor: process.env['OSA_ACC_FLAVOR'] ?? 'm1.tiny',
  servicePort: Number(process.env['OSA_ACC_SERVICE_PORT'] ?? 5000),
};

/** Deletes the servers `filter` lists and waits until Nova no longer has them (cleanup steps). */
export async function deleteServersListed(client: OpenStackClient, filter: { exactName?: string; name?: string }): Promise<void> {
  const servers = await client.compute.servers.list(filter).toArray();
  await Promise.all(servers.map((server) => client.compute.servers.delete(server.id)));
  for (const server of servers) await client.compute.servers.waitForDeleted(server.id, { timeoutMs: 90_000 });
}

/** Polls http://host:port/healthz until 200 (the service in a server is up), or throws after `timeoutMs`. */
export async function waitForServiceHealthy(host: string, port: number, timeoutMs: number): Promise<void> {
  assertLoopback(host, 'health check target');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await httpGet(host, port, '/healthz', 3_000).then(
      (reply) => reply.status,
      () => 0,
    );
    if (status === 200) return;
    if (Date.now() > deadline) throw new Error(`http://${host}:${port}/healthz not healthy within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
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

/**
 * The cloud-init user data `bake-image` gives its base VM (seed 7-9: nodejs, the bundle, the
 * systemd unit, enable --now), produced by the built bake CLI itself (`--dry-run` calls no cloud).
 * On the devcloud the workload runner applies it, so service-vm-1 serves only because it ran it.
 */
export function bakeUserData(servicePort: number): string {
  const workspaceRoot = path.resolve(__dirname, '../../..');
  const cli = path.join(workspaceRoot, 'dist/tools/bake-image/main.js');
  if (!fs.existsSync(cli))
    throw new Error(`${cli} is missing: build it first (npx nx build tools)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seed-user-data-'));
  try {
    const out = path.join(dir, 'user-data.yaml');
    const run = spawnSync(
      process.execPath,
      [cli, '--dry-run', `--service-port=${servicePort}`, `--user-data-out=${out}`],
      { cwd: workspaceRoot, encoding: 'utf8', timeout: 60_000 },
    );
    if (run.status !== 0) {
      throw new Error(
        `bake-image --dry-run exited ${run.status ?? run.signal}:\n${run.stdout}${run.stderr}`,
      );
    }
    return fs.readFileSync(out, 'utf8');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * `openstack server list --name ^PREFIX` as [ID, Status] pairs, sorted: what an operator sees.
 * Undefined (said once per call) when the CLI is not installed.
 */
export function openstackServerList(namePrefix: string): Array<[string, string]> | undefined {
  const cli = findSystemTool('openstack');
  if (!cli) {
    process.stderr.write(
      '[acceptance] openstack CLI not installed (apt-get install -y python3-openstackclient): the server list is checked through the client only\n',
    );
    return undefined;
  }
  const listed = spawnSync(
    cli,
    ['server', 'list', '--name', `^${namePrefix}`, '-f', 'json', '-c', 'ID', '-c', 'Status'],
    { encoding: 'utf8', env: process.env, timeout: 60_000 },
  );
  if (listed.status !== 0)
    throw new Error(
      `openstack server list exited ${listed.status ?? listed.signal}: ${listed.stderr}`,
    );
  return (JSON.parse(listed.stdout) as Array<{ ID: string; Status: string }>)
    .map((row): [string, string] => [row.ID, row.Status])
    .sort();
}

/** Ids of the base image, flavor and network ACCEPTANCE_SETTINGS name. */
export interface AcceptanceResources {
  readonly imageId: string;
  readonly flavorId: string;
  readonly networkId: string;
}

export async function findAcceptanceResources(client: OpenStackClient): Promise<AcceptanceResources> {
  const settings = ACCEPTANCE_SETTINGS;
  const [image, flavor, network] = await Promise.all([
    client.image.images.findByName(settings.baseImage),
    client.compute.flavors.find(settings.flavor),
    client.network.networks.find(settings.network),
  ]);
  if (!image) throw new Error(`image ${settings.baseImage} not found (set OSA_ACC_IMAGE)`);
  return { imageId: image.id, flavorId: flavor.id, networkId: network.id };
}

/**
 * Boots `name` from the base image with the bake's user data (seed 7-9: the service installed and
 * enabled on its disk) and waits until it is ACTIVE at a loopback address and its service answers:
 * what a golden image is snapshotted from. `onCreated` hears the id at once (a progress line).
 */
export async function bootBakedServer(
  client: OpenStackClient,
  resources: AcceptanceResources,
  options: { name: string; keyName?: string; bootTimeoutMs: number; healthTimeoutMs: number; onCreated?: (id: string) => void },
): Promise<{ server: Server; address: string }> {
  const settings = ACCEPTANCE_SETTINGS;
  const ref = await client.compute.servers.create({
    name: options.name,
    imageId: resources.imageId,
    flavorId: resources.flavorId,
    networks: [{ uuid: resources.networkId }],
    ...(options.keyName ? { keyName: options.keyName } : {}),
    userData: bakeUserData(settings.servicePort),
  });
  options.onCreated?.(ref.id);
  const server = await client.compute.servers.waitForStatus(ref.id, { target: 'ACTIVE', timeoutMs: options.bootTimeoutMs });
  const address = extractAddress(server, { networkName: settings.network });
  assertLoopback(address, `address of ${options.name}`);
  await waitForServiceHealthy(address, settings.servicePort, options.healthTimeoutMs);
  return { server, address };
}

/**
 * A golden image of `serverId` (stopped first unless it is SHUTOFF already, as the seed bakes):
 * waits until Glance has it active and Nova has finished the snapshot task; returns the image id.
 */
export async function snapshotStopped(client: OpenStackClient, serverId: string, imageName: string): Promise<string> {
  if ((await client.compute.servers.get(serverId)).status !== 'SHUTOFF') {
    await client.compute.servers.stop(serverId);
    await client.compute.servers.waitForStatus(serverId, { target: 'SHUTOFF', timeoutMs: 120_000 });
  }
  const { imageId } = await client.compute.servers.createImage(serverId, { name: imageName });
  await client.image.images.waitForStatus(imageId, { target: 'active', timeoutMs: 120_000 });
  const deadline = Date.now() + 60_000;
  while ((await client.compute.servers.get(serverId)).taskState !== undefined) {
    if (Date.now() > deadline) throw new Error(`server ${serverId} still has a task 60 s after its snapshot`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return imageId;
}

/** Deletes every image named one of `names` (a cleanup step). */
export async function deleteImagesNamed(client: OpenStackClient, ...names: string[]): Promise<void> {
  for (const name of names) for (const image of await client.image.images.list({ name }).toArray()) await client.image.images.delete(image.id);
}
