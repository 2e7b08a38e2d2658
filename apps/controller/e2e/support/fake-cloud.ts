import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { OpenStackClient } from '@osa/openstack-client';
import { FakeOpenStack, FakeServer } from '@osa/openstack-testkit';

/**
 * The seed's cloud (sections 4-10) on the fake OpenStack: network `test` (seeded by the fake),
 * key pair `vm-key`, the golden image `service-golden`, and `service-vm-1` whose address is a real
 * service instance the test runs. Returns the environment a controller needs to reach it
 * (OS_CLOUD + OS_CLIENT_CONFIG_FILE pointing at a clouds.yaml for the fake).
 */
export async function prepareSeedCloud(
  cloud: FakeOpenStack,
  originalAddress: string,
): Promise<{
  env: Record<string, string>;
  original: FakeServer;
  goldenImageId: string;
  dir: string;
}> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-cloud-'));
  const cloudsFile = path.join(dir, 'clouds.yaml');
  fs.writeFileSync(cloudsFile, cloud.cloudsYaml('fake'));
  const env = { OS_CLOUD: 'fake', OS_CLIENT_CONFIG_FILE: cloudsFile };
  const client = OpenStackClient.fromEnvironment({ env, cwd: dir, homeDir: dir });
  try {
    await client.compute.keypairs.create('vm-key');
    const image = await client.image.images.create({
      name: 'service-golden',
      diskFormat: 'qcow2',
      containerFormat: 'bare',
    });
    await client.image.images.upload(image.id, Buffer.from('golden image of the /work service\n'));
    const network = [...cloud.state.networks.values()].find(
      (candidate) => candidate.name === 'test',
    );
    if (!network) throw new Error('the fake has no network "test"');
    const original = cloud.seedServer({
      name: 'service-vm-1',
      addresses: {
        test: [{ addr: originalAddress, version: 4, type: 'fixed', macAddr: 'fa:16:3e:00:00:01' }],
      },
    });
    return { env, original, goldenImageId: image.id, dir };
  } finally {
    client.close();
  }
}

/**
 * Servers in the fake whose name starts with `prefix` and that are not going away. Nova answers a
 * DELETE at once and keeps showing the server (task_state `deleting`, then status DELETED) until
 * the compute host is done (api-ref 2.1; the fake does the same, briefly), so a check against a
 * real cloud leaves out the servers already being deleted.
 */
export function serversNamed(cloud: FakeOpenStack, prefix: string): FakeServer[] {
  return [...cloud.state.servers.values()].filter(
    (server) =>
      server.name.startsWith(prefix) &&
      server.status !== 'DELETED' &&
      server.taskState !== 'deleting',
  );
}
