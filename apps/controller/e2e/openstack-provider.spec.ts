import * as fs from 'node:fs';
import { OpenStackClient } from '@osa/openstack-client';
import { FakeOpenStack } from '@osa/openstack-testkit';
import { prepareSeedCloud, serversNamed } from './support/fake-cloud';
import { getJson, httpGet } from './support/http-get';
import { InProcessController } from './support/in-process-controller';
import { ownLoopbackPrefix } from './support/loopback';
import { ServiceInstance } from './support/service-instance';

interface StatusView {
  instances: Array<{ id: string; name: string; role: string; ip: string | null; serving: boolean }>;
}

describe('openstack provider details', () => {
  jest.setTimeout(60_000);
  const services: ServiceInstance[] = [];
  let cloud: FakeOpenStack | undefined;
  let controller: InProcessController | undefined;
  let dir: string | undefined;

  afterEach(async () => {
    await controller?.close();
    await Promise.all(services.splice(0).map((service) => service.stop()));
    await cloud?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    controller = cloud = dir = undefined;
  });

  it('boots the newest active golden image, takes the original from originalUrl, and marks the server as ours with the user metadata beside', async () => {
    const prefix = ownLoopbackPrefix();
    services.push(
      await ServiceInstance.start(`${prefix}.1`, 5000),
      await ServiceInstance.start(`${prefix}.2`, 5000),
    );
    cloud = await FakeOpenStack.start({ host: `${prefix}.250` });
    const seeded = await prepareSeedCloud(cloud, `${prefix}.9`); // service-vm-1 in the cloud points nowhere: the URL wins
    dir = seeded.dir;
    // A re-bake: a second image of the same name, baked later.
    const client = OpenStackClient.fromEnvironment({ env: seeded.env, cwd: dir, homeDir: dir });
    const rebaked = await client.image.images.create({
      name: 'service-golden',
      diskFormat: 'qcow2',
      containerFormat: 'bare',
      properties: { osa_role: 'golden-image', osa_baked_at: '2099-01-01T00:00:00Z' },
    });
    await client.image.images.upload(rebaked.id, Buffer.from('newer golden image\n'));
    client.close();
    cloud.setServerBehaviour(
      { address: () => `${prefix}.2`, bootDelayMs: 200 },
      { namePrefix: 'service-auto-' },
    );

    controller = await InProcessController.start(
      {
        proxy: { listenHost: `${prefix}.200`, listenPort: 0 },
        admin: { listenHost: `${prefix}.201`, listenPort: 0 },
        provider: {
          kind: 'openstack',
          group: 'web-tier',
          openstack: {
            originalUrl: `http://${prefix}.1:5000`,
            metadata: { 'cost-centre': '4711', 'scheduling hint': 'rack-a' },
          },
        },
        scaling: { thresholdRequests: 2, statusPollInitialMs: 100 },
        health: { intervalMs: 100 },
      },
      seeded.env,
    );
    await controller.originalAdmitted();
    expect(
      (await httpGet(controller.proxy.host, controller.proxy.port, '/')).headers[
        'x-instance-address'
      ],
    ).toBe(`${prefix}.1:5000`);
    expect((await httpGet(controller.proxy.host, controller.proxy.port, '/')).status).toBe(503);
    await controller.scaling.settled();
    expect(
      (await httpGet(controller.proxy.host, controller.proxy.port, '/')).headers[
        'x-instance-address'
      ],
    ).toBe(`${prefix}.2:5000`);

    const [create] = cloud.callsTo('compute', 'POST', /\/servers$/);
    expect(
      (create.body as { server: { imageRef: string; metadata: object } }).server,
    ).toMatchObject({ imageRef: rebaked.id });
    expect((create.body as { server: { metadata: object } }).server.metadata).toEqual({
      'cost-centre': '4711',
      'scheduling hint': 'rack-a',
      'osa:group': 'web-tier',
      'osa:reason': 'scale-out',
      'osa:image': rebaked.id,
    });
    // The fake Nova stored it as a real one would: GET shows the same metadata.
    expect(serversNamed(cloud, 'service-auto-')[0].metadata).toMatchObject({
      'cost-centre': '4711',
      'osa:group': 'web-tier',
    });
    const status = await getJson<StatusView>(
      controller.admin.host,
      controller.admin.port,
      '/status',
    );
    expect(
      status.instances.map((instance) => [
        instance.id,
        instance.role,
        instance.ip,
        instance.serving,
      ]),
    ).toEqual([
      [`url:http://${prefix}.1:5000`, 'original', `${prefix}.1`, false],
      [serversNamed(cloud, 'service-auto-')[0].id, 'clone', `${prefix}.2`, true],
    ]);
  });
});
