import { ControllerLifecycle } from '../src/admin/controller-lifecycle';
import { httpGet } from './support/http-get';
import { InProcessController } from './support/in-process-controller';
import { ownLoopbackPrefix } from './support/loopback';
import { localControllerConfig } from './support/local-controller-config';

describe('admin listener', () => {
  jest.setTimeout(30_000);
  let controller: InProcessController | undefined;
  afterEach(async () => {
    await controller?.close();
    controller = undefined;
  });

  it('is separate from the proxy; /healthz is the controller readiness and flips to 503 when shutdown begins; /status is JSON', async () => {
    const prefix = ownLoopbackPrefix();
    controller = await InProcessController.start({
      ...localControllerConfig(prefix),
    });
    await controller.originalAdmitted();
    const { admin, proxy } = controller;
    expect(admin.host).not.toBe(proxy.host);

    const healthy = await httpGet(admin.host, admin.port, '/healthz');
    expect(healthy.status).toBe(200);
    expect(JSON.parse(healthy.body)).toMatchObject({
      status: 'ok',
      info: { controller: { status: 'up', phase: 'running' } },
    });

    // The proxy does not serve admin routes: /status there goes to the backend (which has no such path).
    expect((await httpGet(proxy.host, proxy.port, '/status')).status).toBe(404);

    const status = JSON.parse((await httpGet(admin.host, admin.port, '/status')).body);
    expect(status).toMatchObject({
      lifecycle: 'running',
      mode: { provider: 'local', traffic: 'switch', duringScaleOut: 'reject' },
      activeBackend: { name: 'service-vm-1', address: `${prefix}.1:5000` },
      gate: { open: true },
      capacity: { instances: 1, maxInstances: 2 },
      lastScaleEvent: null,
      scaleOutInProgress: null,
    });
    expect(status.instances[0]).toMatchObject({
      name: 'service-vm-1',
      role: 'original',
      state: 'admitted',
      health: 'healthy',
      serving: true,
      ip: `${prefix}.1`,
      port: 5000,
    });
    expect(typeof status.instances[0].ageSeconds).toBe('number');

    // Nest's first shutdown hook: from here until the listener closes, /healthz says 503.
    controller.app.get(ControllerLifecycle).onModuleDestroy();
    const stopping = await httpGet(admin.host, admin.port, '/healthz');
    expect(stopping.status).toBe(503);
    expect(JSON.parse(stopping.body)).toMatchObject({
      status: 'error',
      error: { controller: { status: 'down', phase: 'shutting-down' } },
    });
  });
});
