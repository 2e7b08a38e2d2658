/** Seeds the fake cloud with the seed's key pair `vm-key` (what the tools and the controller use by default). */
import type { FakeOpenStack } from '@osa/openstack-testkit';

export function seedVmKey(cloud: FakeOpenStack): void {
  cloud.state.keypairs.set('vm-key', {
    name: 'vm-key',
    publicKey: 'ssh-ed25519 AAAA test',
    fingerprint: 'aa:bb',
    type: 'ssh',
    userId: cloud.credentials.userId,
    createdAt: new Date().toISOString(),
    id: 1,
  });
}
