import * as fs from 'node:fs';
import { FakeOpenStack } from '@osa/openstack-testkit';
import { prepareSeedCloud } from './fake-cloud';
import { ownLoopbackPrefix } from './loopback';
import { ServiceInstance } from './service-instance';

/**
 * The world of the restart and pair e2e suites on the openstack provider: its own loopback /24,
 * real service processes at .1 (service-vm-1) and .2 (what the clones report), and the fake
 * OpenStack on .250 with the seed's resources. Each test starts one and stops it afterwards.
 */
export class SeedFakeCloud {
  private constructor(
    readonly prefix: string,
    readonly cloud: FakeOpenStack,
    /** OS_CLOUD + OS_CLIENT_CONFIG_FILE for a controller. */
    readonly env: Record<string, string>,
    /** service-vm-1's server id. */
    readonly originalId: string,
    /** The two service processes; a test may stop one and put a new one in its place. */
    readonly services: ServiceInstance[],
    /** Where the clouds.yaml for `env` lives (a controller's cwd and home). */
    readonly dir: string,
  ) {}

  static async start(): Promise<SeedFakeCloud> {
    const prefix = ownLoopbackPrefix();
    const services = [
      await ServiceInstance.start(`${prefix}.1`, 5000),
      await ServiceInstance.start(`${prefix}.2`, 5000),
    ];
    const cloud = await FakeOpenStack.start({ host: `${prefix}.250` });
    const seeded = await prepareSeedCloud(cloud, `${prefix}.1`);
    return new SeedFakeCloud(prefix, cloud, seeded.env, seeded.original.id, services, seeded.dir);
  }

  async stop(): Promise<void> {
    await Promise.all(this.services.splice(0).map((service) => service.stop()));
    await this.cloud.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
