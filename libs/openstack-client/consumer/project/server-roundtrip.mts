// A program outside the workspace, in a project that installed only the packed tarballs: it uses
// @osa/openstack-client as the README shows. Without OS_CLOUD it starts the fake OpenStack of
// @osa/openstack-testkit (also from its tarball); with OS_CLOUD it runs against that real cloud.
// Creates a server, waits for ACTIVE, reads its address, deletes it (always), and prints one JSON
// line with what it saw. Type-checked with `tsc --strict` (node16 and bundler), then run.
import { OpenStackClient, WaitTimeoutError, extractAddress } from '@osa/openstack-client';
import { FakeOpenStack } from '@osa/openstack-testkit';

const name = process.env['CONSUMER_SERVER_NAME'] ?? 'consumer-vm';
const imageName = process.env['OSA_ACC_IMAGE'] ?? 'ubuntu';
const flavorName = process.env['OSA_ACC_FLAVOR'] ?? 'm1.tiny';
const networkName = process.env['OSA_ACC_NETWORK'] ?? 'test';

const fake = process.env['OS_CLOUD'] ? undefined : await FakeOpenStack.start();
const os = fake
  ? OpenStackClient.fromEnvironment({ env: fake.openrcEnv() })
  : OpenStackClient.fromEnvironment();
const progress = (line: string): void => void process.stderr.write(`[consumer] ${line}\n`);

try {
  const image = await os.image.images.findByName(imageName);
  if (!image) throw new Error(`no image named ${imageName}`);
  const flavor = await os.compute.flavors.find(flavorName);
  const network = await os.network.networks.find(networkName);
  const { id } = await os.compute.servers.create({
    name,
    imageId: image.id,
    flavorId: flavor.id,
    networks: [{ uuid: network.id }],
  });
  progress(`created ${name} ${id}`);
  try {
    const server = await os.compute.servers.waitForStatus(id, {
      target: 'ACTIVE',
      timeoutMs: 300_000,
      onProgress: (p) => progress(`${id} ${p.status} after ${p.elapsedMs} ms`),
    });
    const address: string = extractAddress(server, { networkName, ipVersion: 4, type: 'fixed' });
    process.stdout.write(
      `${JSON.stringify({ id, name: server.name, status: server.status, address })}\n`,
    );
  } finally {
    await os.compute.servers.delete(id);
    await os.compute.servers.waitForDeleted(id, { timeoutMs: 120_000 });
    progress(`deleted ${id}`);
  }
} catch (err) {
  if (err instanceof WaitTimeoutError) progress(`gave up waiting: ${err.message}`);
  throw err;
} finally {
  os.close();
  await fake?.stop();
}
