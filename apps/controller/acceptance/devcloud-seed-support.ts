/**
 * Helpers of the devcloud acceptance suites (seed, refresh, warm pool, octavia): whether a real cloud is configured,
 * unique names, cleanup registered before anything can fail, the loopback guard, the bake's user data, a baked server
 * and its golden image, the operator's `openstack server list`, the seed's starting point (service-vm-1 + the golden
 * image + the provider section naming both) and the Octavia checks (skip reason, the real CLI's member list, the load
 * balancer's cleanup).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { extractAddress, type OpenStackClient, type Server } from '@osa/openstack-client';
import {
  type AcceptanceCleanup,
  assertLoopback,
  findSystemTool,
  isLoopbackCidr,
} from '@osa/openstack-testkit';
import { getJson, httpGet } from '../e2e/support/http-get';

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
export async function deleteServersListed(
  client: OpenStackClient,
  filter: { exactName?: string; name?: string },
): Promise<void> {
  const servers = await client.compute.servers.list(filter).toArray();
  await Promise.all(servers.map((server) => client.compute.servers.delete(server.id)));
  for (const server of servers)
    await client.compute.servers.waitForDeleted(server.id, { timeoutMs: 90_000 });
}

/** Polls http://host:port/healthz until 200 (the service in a server is up), or throws after `timeoutMs`. */
export async function waitForServiceHealthy(
  host: string,
  port: number,
  timeoutMs: number,
): Promise<void> {
  assertLoopback(host, 'health check target');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await httpGet(host, port, '/healthz', 3_000).then(
      (reply) => reply.status,
      () => 0,
    );
    if (status === 200) return;
    if (Date.now() > deadline)
      throw new Error(`http://${host}:${port}/healthz not healthy within ${timeoutMs} ms`);
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

export async function findAcceptanceResources(
  client: OpenStackClient,
): Promise<AcceptanceResources> {
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
  options: {
    name: string;
    keyName?: string;
    bootTimeoutMs: number;
    healthTimeoutMs: number;
    onCreated?: (id: string) => void;
  },
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
  const server = await client.compute.servers.waitForStatus(ref.id, {
    target: 'ACTIVE',
    timeoutMs: options.bootTimeoutMs,
  });
  const address = extractAddress(server, { networkName: settings.network });
  assertLoopback(address, `address of ${options.name}`);
  await waitForServiceHealthy(address, settings.servicePort, options.healthTimeoutMs);
  return { server, address };
}

/**
 * A golden image of `serverId` (stopped first unless it is SHUTOFF already, as the seed bakes):
 * waits until Glance has it active and Nova has finished the snapshot task; returns the image id.
 */
export async function snapshotStopped(
  client: OpenStackClient,
  serverId: string,
  imageName: string,
): Promise<string> {
  if ((await client.compute.servers.get(serverId)).status !== 'SHUTOFF') {
    await client.compute.servers.stop(serverId);
    await client.compute.servers.waitForStatus(serverId, { target: 'SHUTOFF', timeoutMs: 120_000 });
  }
  const { imageId } = await client.compute.servers.createImage(serverId, { name: imageName });
  await client.image.images.waitForStatus(imageId, { target: 'active', timeoutMs: 120_000 });
  const deadline = Date.now() + 60_000;
  while ((await client.compute.servers.get(serverId)).taskState !== undefined) {
    if (Date.now() > deadline)
      throw new Error(`server ${serverId} still has a task 60 s after its snapshot`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return imageId;
}

/** Deletes every image named one of `names` (a cleanup step). */
export async function deleteImagesNamed(
  client: OpenStackClient,
  ...names: string[]
): Promise<void> {
  for (const name of names)
    for (const image of await client.image.images.list({ name }).toArray())
      await client.image.images.delete(image.id);
}

/** The seed's names in one run: key pair, service-vm-1, the golden image, the clones' prefix. */
export interface SeedNames {
  key: string;
  original: string;
  golden: string;
  autoPrefix: string;
}

export function seedNames(tag: string): SeedNames {
  return {
    key: `${tag}-key`,
    original: `${tag}-service-vm-1`,
    golden: `${tag}-service-golden`,
    autoPrefix: `${tag}-service-auto-`,
  };
}

/**
 * Registers the removal of everything the seed makes (key pair, golden image, service-vm-1, the
 * clones) before any of it exists; cleanups run newest-first, so the controllers' servers go first.
 */
export function addSeedCleanup(
  cleanup: AcceptanceCleanup,
  client: OpenStackClient,
  names: SeedNames,
): void {
  cleanup.add(`delete key pair ${names.key}`, () => client.compute.keypairs.delete(names.key));
  cleanup.add(`delete images ${names.golden}`, () => deleteImagesNamed(client, names.golden));
  cleanup.add(`delete server ${names.original}`, () =>
    deleteServersListed(client, { exactName: names.original }),
  );
  cleanup.add(`delete servers ${names.autoPrefix}*`, () =>
    deleteServersListed(client, { name: `^${names.autoPrefix}` }),
  );
}

/** `provider` of the controller config: the group `tag`, service-vm-1 as the original, clones from the golden image. */
export function seedOpenstackProvider(tag: string, names: SeedNames): Record<string, unknown> {
  const settings = ACCEPTANCE_SETTINGS;
  return {
    kind: 'openstack',
    group: tag,
    originalName: names.original,
    namePrefix: names.autoPrefix,
    openstack: {
      image: names.golden,
      flavor: settings.flavor,
      network: settings.network,
      keyName: names.key,
      securityGroups: ['default'],
      servicePort: settings.servicePort,
    },
  };
}

/** findAcceptanceResources, and the network's subnet, which must be on loopback only (the VIP goes there). */
export async function findSeedCloud(
  client: OpenStackClient,
): Promise<AcceptanceResources & { subnetId: string }> {
  const resources = await findAcceptanceResources(client);
  // Only a loopback subnet guarantees that every address Nova reports (which the controller will connect to) is inside 127.0.0.0/8.
  const subnets = await client.network.subnets.list({ networkId: resources.networkId }).toArray();
  const outside = subnets.filter((s) => !isLoopbackCidr(s.cidr));
  if (subnets.length === 0 || outside.length)
    throw new Error(
      `network ${ACCEPTANCE_SETTINGS.network} has subnets outside 127.0.0.0/8 (${outside.map((s) => s.cidr).join(', ') || 'none at all'}): this suite needs the devcloud`,
    );
  return { ...resources, subnetId: subnets[0].id };
}

/**
 * Seed 7-10: service-vm-1 booted and serving (bootBakedServer), the golden image snapshotted from it
 * while stopped, then started again: it stays the first backend. The key pair `names.key` must
 * exist; the caller registers the cleanup of everything named in `names` before calling this.
 */
export async function bootOriginalAndSnapshot(
  client: OpenStackClient,
  names: SeedNames,
  resources: AcceptanceResources,
  bootTimeoutMs: number,
): Promise<{ original: Server; originalAddress: string; goldenImageId: string }> {
  const settings = ACCEPTANCE_SETTINGS;
  const { server: original, address: originalAddress } = await bootBakedServer(client, resources, {
    name: names.original,
    keyName: names.key,
    bootTimeoutMs,
    healthTimeoutMs: 30_000,
    onCreated: (id) => process.stderr.write(`[acceptance] ${names.original}: ${id} booting\n`),
  });
  const goldenImageId = await snapshotStopped(client, original.id, names.golden);
  await client.compute.servers.start(original.id);
  await client.compute.servers.waitForStatus(original.id, { target: 'ACTIVE', timeoutMs: 60_000 });
  await waitForServiceHealthy(originalAddress, settings.servicePort, 30_000);
  process.stderr.write(
    `[acceptance] ${names.original} at ${originalAddress}, golden image ${names.golden} ${goldenImageId}\n`,
  );
  return { original, originalAddress, goldenImageId };
}

/** Why an Octavia suite cannot run here (no load-balancer endpoint, no `openstack` CLI), or undefined. */
export async function octaviaSkipReason(client: OpenStackClient): Promise<string | undefined> {
  try {
    await client.session.endpointFor('load-balancer');
  } catch {
    return 'the catalog has no load-balancer endpoint (start it: bash ../shared/devcloud/octavia/octavia.sh up)';
  }
  if (!findSystemTool('openstack'))
    return 'the openstack CLI is not installed (apt-get install -y python3-openstackclient python3-octaviaclient)';
  return undefined;
}

export interface CliMember {
  address: string;
  weight: number;
  name: string;
}

/** `openstack loadbalancer member list POOL` (the real CLI): address, weight and name of each member, by address. */
export function cliMembers(poolId: string): CliMember[] {
  const run = spawnSync('openstack', ['loadbalancer', 'member', 'list', poolId, '-f', 'json'], {
    encoding: 'utf8',
    timeout: 60_000,
    env: process.env,
  });
  if (run.status !== 0) throw new Error(`openstack loadbalancer member list failed: ${run.stderr}`);
  return (JSON.parse(run.stdout) as CliMember[])
    .map((r) => ({ address: r.address, weight: r.weight, name: r.name }))
    .sort((a, b) => a.address.localeCompare(b.address));
}

/** Cleanup step: every load balancer named `name` deleted with its listeners, pools and members (and its VIP port). */
export async function deleteLoadBalancersNamed(
  client: OpenStackClient,
  name: string,
): Promise<void> {
  for (const lb of await client.loadBalancer.loadBalancers.list({ name }).toArray()) {
    // Octavia refuses a delete while PENDING_*: a change the controller sent may still be in flight.
    await client.loadBalancer.loadBalancers
      .waitForStatus(lb.id, { target: 'ACTIVE', timeoutMs: 60_000 })
      .catch(() => undefined);
    await client.loadBalancer.loadBalancers.delete(lb.id, { cascade: true });
    await client.loadBalancer.loadBalancers.waitForDeleted(lb.id, { timeoutMs: 60_000 });
  }
}

/** The addresses of the members that take new requests (weight > 0). */
export function servingAddresses(members: readonly CliMember[]): string[] {
  return members.filter((m) => m.weight > 0).map((m) => m.address);
}

/** Polls the CLI until `check` holds for the member list (Octavia applies changes asynchronously). */
export async function waitForCliMembers(
  poolId: string,
  what: string,
  check: (members: CliMember[]) => boolean,
  timeoutMs = 60_000,
): Promise<CliMember[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const members = cliMembers(poolId);
    if (check(members)) return members;
    if (Date.now() > deadline)
      throw new Error(
        `members never became ${what} within ${timeoutMs} ms: ${JSON.stringify(members)}`,
      );
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** A controller's /status instances (the fields the acceptance suites read). */
export interface AcceptanceStatus {
  instances: Array<{
    id: string;
    name: string;
    role: string;
    state: string;
    ip: string | null;
    serving: boolean;
  }>;
}

/** The controller's ready instances (admitted and serving) by address, sorted. */
export async function readyAddresses(admin: { host: string; port: number }): Promise<string[]> {
  const status = await getJson<AcceptanceStatus>(admin.host, admin.port, '/status');
  return status.instances
    .filter((i) => i.state === 'admitted' && i.serving && i.ip)
    .map((i) => i.ip as string)
    .sort();
}

/**
 * The beforeAll of the suites that run the built controller with `dataPlane.kind: octavia`: the
 * skip reason when Octavia or the CLI is missing (then nothing is created), else the cleanups of
 * the seed and the load balancer `names.lb` registered, the key pair, service-vm-1 and the golden
 * image made, and the VIP subnet.
 */
export async function setUpOctaviaSeed(
  client: OpenStackClient,
  cleanup: AcceptanceCleanup,
  names: SeedNames & { lb: string },
  bootTimeoutMs: number,
): Promise<
  | { skipReason: string }
  | { skipReason?: undefined; subnetId: string; original: Server; originalAddress: string }
> {
  const skipReason = await octaviaSkipReason(client);
  if (skipReason) return { skipReason };
  const cloud = await findSeedCloud(client);
  // Registered before anything exists, run newest-first: the load balancer, the controllers' servers, then ours.
  addSeedCleanup(cleanup, client, names);
  cleanup.add(`delete load balancer ${names.lb}`, () => deleteLoadBalancersNamed(client, names.lb));
  await client.compute.keypairs.create(names.key);
  const { original, originalAddress } = await bootOriginalAndSnapshot(
    client,
    names,
    cloud,
    bootTimeoutMs,
  );
  return { subnetId: cloud.subnetId, original, originalAddress };
}
