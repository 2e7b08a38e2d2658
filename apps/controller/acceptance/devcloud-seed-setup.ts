/**
 * The seed's starting point on a real cloud, for acceptance suites that run the built controller
 * on the openstack provider: service-vm-1 serving the baked service, the golden image snapshotted
 * from it, and the controller's provider section naming both.
 */
import { extractAddress, type Flavor, type Image, type Network, type OpenStackClient, type Server } from '@osa/openstack-client';
import { ACCEPTANCE_SETTINGS, assertLoopback, bakeUserData, waitForServiceHealthy } from './devcloud-seed-support';

export interface SeedNames {
  key: string;
  original: string;
  golden: string;
  autoPrefix: string;
}

export interface SeedServers {
  original: Server;
  originalAddress: string;
  goldenImageId: string;
}

/** `provider` of the controller config: the group `tag`, service-vm-1 as the original, clones from the golden image. */
export function seedOpenstackProvider(tag: string, names: SeedNames): Record<string, unknown> {
  const settings = ACCEPTANCE_SETTINGS;
  return {
    kind: 'openstack',
    group: tag,
    originalName: names.original,
    namePrefix: names.autoPrefix,
    openstack: { image: names.golden, flavor: settings.flavor, network: settings.network, keyName: names.key, securityGroups: ['default'], servicePort: settings.servicePort },
  };
}

/**
 * Boots service-vm-1 (the base image plus the bake's user data), then stop, snapshot to the golden
 * image, start again: it stays the first backend. The key pair `names.key` must exist; the caller
 * registers the cleanup of everything named in `names` before calling this.
 */
export async function bootOriginalAndSnapshot(client: OpenStackClient, names: SeedNames, cloud: { image: Image; flavor: Flavor; network: Network }, bootTimeoutMs: number): Promise<SeedServers> {
  const settings = ACCEPTANCE_SETTINGS;
  const ref = await client.compute.servers.create({
    name: names.original,
    imageId: cloud.image.id,
    flavorId: cloud.flavor.id,
    networks: [{ uuid: cloud.network.id }],
    keyName: names.key,
    userData: bakeUserData(settings.servicePort),
  });
  process.stderr.write(`[acceptance] ${names.original}: ${ref.id} booting\n`);
  const original = await client.compute.servers.waitForStatus(ref.id, { target: 'ACTIVE', timeoutMs: bootTimeoutMs });
  const originalAddress = extractAddress(original, { networkName: settings.network });
  assertLoopback(originalAddress, `address of ${names.original}`);
  await waitForServiceHealthy(originalAddress, settings.servicePort, 30_000);

  await client.compute.servers.stop(original.id);
  await client.compute.servers.waitForStatus(original.id, { target: 'SHUTOFF', timeoutMs: 60_000 });
  const goldenImageId = (await client.compute.servers.createImage(original.id, { name: names.golden })).imageId;
  await client.image.images.waitForStatus(goldenImageId, { target: 'active', timeoutMs: 120_000 });
  // Nova refuses a start while the snapshot task is still on the server.
  const deadline = Date.now() + 60_000;
  while ((await client.compute.servers.get(original.id)).taskState !== undefined) {
    if (Date.now() > deadline) throw new Error(`server ${original.id} still has a task after 60 s`);
    await new Promise((r) => setTimeout(r, 500));
  }
  await client.compute.servers.start(original.id);
  await client.compute.servers.waitForStatus(original.id, { target: 'ACTIVE', timeoutMs: 60_000 });
  await waitForServiceHealthy(originalAddress, settings.servicePort, 30_000);
  process.stderr.write(`[acceptance] ${names.original} at ${originalAddress}, golden image ${names.golden} ${goldenImageId}\n`);
  return { original, originalAddress, goldenImageId };
}
