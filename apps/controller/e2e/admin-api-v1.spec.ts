import { ControllerProcess } from './support/controller-process';
import { InProcessController } from './support/in-process-controller';
import { ownLoopbackPrefix } from './support/loopback';
import { operatorControllerConfig } from './support/operator-controller-config';
import { runSeedLoadLoop } from './support/seed-load-loop';
import { callJson, V1StreamReader } from './support/v1-client';

const ADMIN_TOKEN = `v1t-${'0a1b2c3d4e5f'.repeat(4)}`;

interface EventView {
  kind: string;
  state: string;
  instanceName: string;
  instanceId: string | null;
  startedAt: string;
  transitions: Array<{ from: string | null; to: string; elapsedMs: number; totalMs: number }>;
}
interface InstanceView {
  id: string;
  name: string;
  role: string;
  phase: string;
  address: string | null;
  image: { id: string | null } | null;
}

/**
 * The versioned admin API against the whole controller on the local provider (real processes,
 * real sockets): the OpenAPI document matches the registered routes, the resources show a real
 * scale-out with its timed phases, the actions take effect, bad input is named.
 */
describe('admin API v1', () => {
  jest.setTimeout(90_000);
  let controller: InProcessController | undefined;
  let process: ControllerProcess | undefined;
  let stream: V1StreamReader | undefined;

  afterEach(async () => {
    stream?.close();
    stream = undefined;
    await controller?.close();
    controller = undefined;
    await process?.stop();
    process = undefined;
  });

  const config = (
    prefix: string,
    extra: { admin?: { bearerToken: string } } = {},
  ): Record<string, unknown> =>
    operatorControllerConfig(prefix, { bearerToken: extra.admin?.bearerToken });

  it('serves an OpenAPI document generated from the code whose paths are exactly the registered /v1 routes', async () => {
    process = ControllerProcess.start(config(ownLoopbackPrefix()));
    const { admin } = await process.addresses();
    // Nest logs every route it maps: the running app's truth, independent of the document.
    const mapped = process.lines
      .map((line) => line.match(/Mapped \{(\/v1\/[^,]*), (\w+)\} route/))
      .filter((match): match is RegExpMatchArray => match !== null)
      .map((match) => `${match[2]} ${match[1].replace(/:(\w+)/g, '{$1}')}`)
      .sort();
    expect(mapped.length).toBeGreaterThanOrEqual(9);
    const reply = await callJson<{
      openapi: string;
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    }>(admin, 'GET', '/v1/openapi.json');
    expect(reply.status).toBe(200);
    expect(reply.body.openapi).toMatch(/^3\./);
    const documented = Object.entries(reply.body.paths)
      .flatMap(([path, operations]) =>
        Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
      )
      .sort();
    expect(documented).toEqual(mapped);
    expect(documented).toEqual(
      expect.arrayContaining([
        'GET /v1/status',
        'GET /v1/instances',
        'GET /v1/instances/{id}',
        'DELETE /v1/instances/{id}',
        'GET /v1/events',
        'PUT /v1/scaling',
        'GET /v1/config',
        'GET /v1/stream',
      ]),
    );
    // Every operation says what it answers.
    for (const [path, operations] of Object.entries(reply.body.paths)) {
      for (const [method, operation] of Object.entries(operations))
        expect([method, path, Object.keys(operation.responses).length > 0]).toEqual([
          method,
          path,
          true,
        ]);
    }
  });

  it('shows a scale-out driven by real traffic: events with each phase timed, instances, the stream; then the actions take effect', async () => {
    const prefix = ownLoopbackPrefix();
    controller = await InProcessController.start(config(prefix));
    await controller.originalAdmitted();
    const admin = controller.admin;
    stream = new V1StreamReader(admin);
    await stream.waitFor((message) => message.type === 'hello', 10_000, 'hello');

    await runSeedLoadLoop({
      host: controller.proxy.host,
      port: controller.proxy.port,
      pauseMs: 50,
      maxRequests: 400,
      maxDurationMs: 30_000,
      until: (responses) =>
        responses.filter((response) => response.status === 503).length > 0 &&
        responses[responses.length - 1].status === 200,
    });
    const events = await callJson<{ events: EventView[] }>(admin, 'GET', '/v1/events');
    expect(events.status).toBe(200);
    const scaleOut = events.body.events.find((event) => event.kind === 'scale-out');
    expect(scaleOut).toMatchObject({ state: 'admitted', instanceId: expect.any(String) });
    expect(scaleOut?.transitions.map((step) => step.to)).toEqual([
      'creating',
      'booting',
      'addressing',
      'health-checking',
      'admitted',
    ]);
    for (const step of scaleOut?.transitions.slice(1) ?? [])
      expect(step.elapsedMs).toBeGreaterThanOrEqual(0);
    expect(scaleOut?.transitions[4].totalMs).toBeGreaterThanOrEqual(
      scaleOut?.transitions[3].totalMs ?? 0,
    );
    // traffic: switch: the switch to the new instance is an event too, newest first.
    const kinds = events.body.events.map((event) => event.kind);
    expect(kinds.indexOf('traffic-switch')).toBeLessThan(kinds.indexOf('scale-out'));
    // ?limit and ?since.
    expect(
      (await callJson<{ events: EventView[] }>(admin, 'GET', '/v1/events?limit=1')).body.events,
    ).toHaveLength(1);
    expect(
      (
        await callJson<{ events: EventView[] }>(
          admin,
          'GET',
          `/v1/events?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`,
        )
      ).body.events,
    ).toEqual([]);
    expect(
      (await callJson<{ events: EventView[] }>(admin, 'GET', '/v1/events?since=10m')).body.events
        .length,
    ).toBe(events.body.events.length);

    // The stream carried the same transitions as they happened, and load samples.
    await stream.waitFor(
      (message) =>
        message.type === 'event' &&
        (message.data as { transition: { to: string } }).transition.to === 'health-checking',
      5_000,
      'health-checking',
    );
    const sample = await stream.waitFor(
      (message) =>
        message.type === 'sample' &&
        (message.data as { requestsPerSecond: number }).requestsPerSecond > 0,
      5_000,
      'a sample with traffic',
    );
    expect(sample.data).toMatchObject({
      inFlight: expect.any(Number),
      non2xxPerSecond: expect.any(Number),
      instances: expect.any(Array),
    });

    const instances = await callJson<{ instances: InstanceView[] }>(admin, 'GET', '/v1/instances');
    expect(instances.body.instances.map((instance) => [instance.role, instance.phase])).toEqual([
      ['original', 'admitted'],
      ['clone', 'admitted'],
    ]);
    const clone = instances.body.instances[1];
    expect(clone.address).toMatch(new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.\\d+:\\d+$`));
    expect(
      (await callJson<InstanceView>(admin, 'GET', `/v1/instances/${clone.name}`)).body,
    ).toMatchObject({ id: clone.id, phase: 'admitted' });
    const missing = await callJson<{ message: string }>(admin, 'GET', '/v1/instances/nope');
    expect([missing.status, missing.body.message]).toEqual([
      404,
      expect.stringContaining('id = "nope": no such instance'),
    ]);

    // PUT /v1/scaling: pause, and the summary says so.
    const paused = await callJson<{ changed: boolean; scaling: { autoscaling: string } }>(
      admin,
      'PUT',
      '/v1/scaling',
      { body: { paused: true } },
    );
    expect([paused.status, paused.body.changed, paused.body.scaling.autoscaling]).toEqual([
      200,
      true,
      'paused',
    ]);
    expect(
      (await callJson<{ scaling: { autoscaling: string } }>(admin, 'GET', '/v1/status')).body
        .scaling.autoscaling,
    ).toBe('paused');

    // DELETE /v1/instances/{id}: drained and removed.
    const removed = await callJson<{ message: string }>(
      admin,
      'DELETE',
      `/v1/instances/${clone.id}`,
    );
    expect([removed.status, removed.body.message]).toEqual([
      202,
      expect.stringContaining('is draining'),
    ]);
    const deadline = Date.now() + 20_000;
    let left: InstanceView[] = [];
    while (Date.now() < deadline) {
      left = (await callJson<{ instances: InstanceView[] }>(admin, 'GET', '/v1/instances')).body
        .instances;
      if (left.length === 1) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(left.map((instance) => instance.role)).toEqual(['original']);
    const scaleIn = (
      await callJson<{ events: EventView[] }>(admin, 'GET', '/v1/events?limit=5')
    ).body.events.find((event) => event.kind === 'scale-in');
    expect(scaleIn?.transitions.map((step) => step.to)).toEqual([
      'draining',
      'deleting',
      'removed',
    ]);
  });

  it('names the field, the value and what is allowed on bad input, and changes nothing', async () => {
    controller = await InProcessController.start(config(ownLoopbackPrefix()));
    await controller.originalAdmitted();
    const admin = controller.admin;
    const cases: Array<[string, string, unknown, string]> = [
      ['PUT', '/v1/scaling', { desired: '2' }, 'desired = "2": must be an integer'],
      ['PUT', '/v1/scaling', { desired: 0 }, 'desired = 0: must be at least 1'],
      [
        'PUT',
        '/v1/scaling',
        { desired: 7 },
        'desired = 7: must be from scaling.minInstances (1) to scaling.maxInstances (3)',
      ],
      ['PUT', '/v1/scaling', { paused: 'yes' }, 'paused = "yes": must be true or false'],
      [
        'PUT',
        '/v1/scaling',
        { desired: 2, force: true },
        'force = true: unknown field; allowed: desired, paused, reason',
      ],
      ['PUT', '/v1/scaling', {}, 'body = {}: give desired'],
      ['GET', '/v1/events?limit=0', undefined, 'limit = 0: must be an integer from 1 to 1000'],
      [
        'GET',
        '/v1/events?since=yesterday',
        undefined,
        'since = "yesterday": must be a duration back from now',
      ],
      [
        'DELETE',
        '/v1/instances/service-vm-1?replace=maybe',
        undefined,
        'replace = "maybe": must be true or false',
      ],
    ];
    for (const [method, path, body, message] of cases) {
      const reply = await callJson<{ message: string[] }>(admin, method, path, { body });
      expect([method, path, reply.status, [reply.body.message].flat().join('\n')]).toEqual([
        method,
        path,
        400,
        expect.stringContaining(message),
      ]);
    }
    const status = await callJson<{ scaling: { desired: number; autoscaling: string } }>(
      admin,
      'GET',
      '/v1/status',
    );
    expect(status.body.scaling).toMatchObject({ desired: 1, autoscaling: 'active' });
    const conflict = await callJson<{ message: string }>(
      admin,
      'DELETE',
      '/v1/instances/service-vm-1',
    );
    expect(conflict.status).toBe(409);
  });

  it('with a bearer token: every v1 route needs it, and /v1/config shows the effective config with the token masked', async () => {
    const prefix = ownLoopbackPrefix();
    controller = await InProcessController.start(
      config(prefix, { admin: { bearerToken: ADMIN_TOKEN } }),
    );
    await controller.originalAdmitted();
    const admin = controller.admin;
    for (const [method, path] of [
      ['GET', '/v1/status'],
      ['GET', '/v1/instances'],
      ['GET', '/v1/events'],
      ['PUT', '/v1/scaling'],
      ['GET', '/v1/config'],
      ['GET', '/v1/stream'],
      ['GET', '/v1/openapi.json'],
      ['DELETE', '/v1/instances/x'],
    ]) {
      expect([method, path, (await callJson(admin, method, path)).status]).toEqual([
        method,
        path,
        401,
      ]);
    }
    const reply = await callJson<{
      config: { admin: { bearerToken: string }; scaling: { maxInstances: number } };
    }>(admin, 'GET', '/v1/config', { token: ADMIN_TOKEN });
    expect(reply.status).toBe(200);
    expect(reply.body.config.admin.bearerToken).toBe('***');
    expect(reply.body.config.scaling.maxInstances).toBe(3);
    expect(reply.text).not.toContain(ADMIN_TOKEN);
    const streamed = new V1StreamReader(admin, ADMIN_TOKEN);
    stream = streamed;
    await streamed.waitFor((message) => message.type === 'hello', 10_000, 'hello with the token');
    expect(streamed.status).toBe(200);
  });
});
