import * as fs from 'node:fs';
import { FakeOpenStack } from '@osa/openstack-testkit';
import { ControllerProcess } from './support/controller-process';
import { prepareSeedCloud, serversNamed } from './support/fake-cloud';
import { getJson } from './support/http-get';
import { ownLoopbackPrefix } from './support/loopback';
import { expectSeedShape, runSeedLoadLoop } from './support/seed-load-loop';
import { ServiceInstance } from './support/service-instance';
import { LOGGED } from './support/log-lines';

interface StatusView {
  mode: { provider: string };
  activeBackend: { name: string; address: string } | null;
  instances: Array<{ id: string; name: string; role: string; state: string; ip: string | null }>;
  lastScaleEvent: {
    state: string;
    instanceId: string;
    phaseDurationsMs: Record<string, number>;
  } | null;
}

describe('seed scenario (section 16) on the openstack provider against the fake OpenStack', () => {
  jest.setTimeout(90_000);
  const services: ServiceInstance[] = [];
  let cloud: FakeOpenStack | undefined;
  let controller: ControllerProcess | undefined;
  let dir: string | undefined;

  afterEach(async () => {
    await controller?.stop();
    await Promise.all(services.splice(0).map((service) => service.stop()));
    await cloud?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    controller = undefined;
    cloud = undefined;
  });

  it('creates one server from service-golden, polls it, reads its IP, health-checks the real service there and switches', async () => {
    const prefix = ownLoopbackPrefix();
    // The "VMs": real service instances; the fake reports their addresses.
    services.push(
      await ServiceInstance.start(`${prefix}.1`, 5000),
      await ServiceInstance.start(`${prefix}.2`, 5000),
    );
    cloud = await FakeOpenStack.start({ host: `${prefix}.250` });
    const seeded = await prepareSeedCloud(cloud, `${prefix}.1`);
    dir = seeded.dir;
    cloud.setServerBehaviour(
      { address: () => `${prefix}.2`, bootDelayMs: 1500 },
      { namePrefix: 'service-auto-' },
    );

    controller = ControllerProcess.start(
      {
        proxy: { listenHost: `${prefix}.200`, listenPort: 0 },
        admin: { listenHost: `${prefix}.201`, listenPort: 0 },
        provider: { kind: 'openstack' },
        health: { intervalMs: 200 },
        scaling: { statusPollInitialMs: 200 },
      },
      seeded.env,
    );
    const { proxy, admin } = await controller.addresses();
    await controller.waitForLog(LOGGED.originalAdmitted, 20_000);

    const responses = await runSeedLoadLoop({
      host: proxy.host,
      port: proxy.port,
      pauseMs: 100,
      maxRequests: 200,
      maxDurationMs: 60_000,
      until: (seen) =>
        seen.filter((response) => response.instanceAddress === `${prefix}.2:5000`).length >= 5,
    });

    expectSeedShape(responses, {
      original: `${prefix}.1:5000`,
      clone: `${prefix}.2:5000`,
      servedByOriginal: 9,
    });

    // Exactly one server was created, from the golden image, with the seed's settings and our group metadata.
    const creates = cloud.callsTo('compute', 'POST', /\/servers$/);
    expect(creates).toHaveLength(1);
    const body = creates[0].body as { server: Record<string, unknown> };
    expect(body.server).toMatchObject({
      imageRef: seeded.goldenImageId,
      flavorRef: '2',
      key_name: 'vm-key',
      security_groups: [{ name: 'default' }],
      metadata: { 'osa:group': 'service', 'osa:reason': 'scale-out' },
      name: expect.stringMatching(/^service-auto-[0-9a-f]{5}$/),
    });
    const [created] = serversNamed(cloud, 'service-auto-');
    expect(created.status).toBe('ACTIVE');

    const status = await getJson<StatusView>(admin.host, admin.port, '/status');
    expect(status.mode.provider).toBe('openstack');
    expect(status.activeBackend?.address).toBe(`${prefix}.2:5000`);
    expect(status.lastScaleEvent).toMatchObject({ state: 'admitted', instanceId: created.id });
    expect(
      status.instances.map((instance) => [instance.id, instance.role, instance.state]),
    ).toEqual([
      [seeded.original.id, 'original', 'admitted'],
      [created.id, 'clone', 'admitted'],
    ]);

    // The controller's stop does not delete cloud servers: the clone and the original keep running.
    expect(await controller.stop()).toEqual({ code: 0, signal: null });
    expect(cloud.callsTo('compute', 'DELETE')).toEqual([]);
    // No credential ever reached the log.
    expect(controller.output).not.toContain(cloud.credentials.password);
  });
});
