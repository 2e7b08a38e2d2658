import * as fs from 'node:fs';
import { FakeOpenStack } from '@osa/openstack-testkit';
import {
  healthyInstances,
  LifecycleStatus,
  postJson,
  readStatus,
  waitForStatus,
} from './support/admin-client';
import { prepareSeedCloud, serversNamed } from './support/fake-cloud';
import { InProcessController } from './support/in-process-controller';
import { ownLoopbackPrefix } from './support/loopback';
import { ServiceInstance } from './support/service-instance';
import { ConcurrentClients, TimedReply } from './support/traffic-load';

/**
 * A cloud API outage (Nova answering 503, Nova not answering at all, Keystone unreachable when the
 * token must be renewed) with client traffic flowing through the controller the whole time: not
 * one client request fails, /status says the API is degraded, a scale-out asked for meanwhile
 * waits, and it runs as soon as the API answers again (the recovery is logged).
 */
describe('cloud API outage while serving, openstack provider', () => {
  jest.setTimeout(90_000);
  let prefix: string;
  let cloud: FakeOpenStack | undefined;
  let controller: InProcessController | undefined;
  let clients: ConcurrentClients | undefined;
  let dir: string | undefined;
  const services: ServiceInstance[] = [];

  afterEach(async () => {
    await clients?.stop();
    await controller?.close();
    await Promise.all(services.splice(0).map((service) => service.stop()));
    await cloud?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    controller = cloud = dir = clients = undefined;
  });

  async function start(
    bootDelayMs: number,
  ): Promise<{ running: InProcessController; fake: FakeOpenStack }> {
    prefix = ownLoopbackPrefix();
    services.push(
      await ServiceInstance.start(`${prefix}.1`, 5000),
      await ServiceInstance.start(`${prefix}.2`, 5000),
    );
    const fake = await FakeOpenStack.start({ host: `${prefix}.250` });
    cloud = fake;
    const seeded = await prepareSeedCloud(fake, `${prefix}.1`);
    dir = seeded.dir;
    fake.setServerBehaviour(
      { address: () => `${prefix}.2`, bootDelayMs },
      { namePrefix: 'service-auto-' },
    );
    const running = await InProcessController.start(
      {
        proxy: { listenHost: `${prefix}.200`, listenPort: 0 },
        admin: { listenHost: `${prefix}.201`, listenPort: 0 },
        provider: { kind: 'openstack' },
        scaling: {
          traffic: 'pool',
          duringScaleOut: 'serve',
          policies: [],
          maxInstances: 2,
          providerCallTimeoutMs: 1_000,
          statusPollInitialMs: 100,
          statusPollMaxMs: 200,
          healing: { providerPollIntervalMs: 300 },
        },
        health: { intervalMs: 100 },
      },
      seeded.env,
    );
    controller = running;
    await running.originalAdmitted();
    clients = new ConcurrentClients(running.proxy.host, running.proxy.port, 3, 80_000);
    return { running, fake };
  }

  const log = (): string => controller?.logger.lines.join('\n') ?? '';
  const degraded = (status: LifecycleStatus): boolean => status.cloudApi.state === 'degraded';
  const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

  function expectNoClientError(replies: readonly TimedReply[]): void {
    expect(replies.length).toBeGreaterThan(50);
    expect(replies.filter((reply) => reply.status !== 200)).toEqual([]);
  }

  it('Nova 503, then Nova hanging, then Keystone unreachable: serving never stops, the status says degraded, the scale-out waits and runs once the API is back', async () => {
    const { running, fake } = await start(300);
    fake.inject({ service: 'compute', status: 503 });
    const first = await waitForStatus(running.admin, 'the API degraded', degraded, 20_000, log);
    // The client retries a 503 GET with back-off, so the call ends in the 503 or at its 1 s deadline.
    expect(first.cloudApi).toMatchObject({
      degradedSince: expect.any(String),
      lastError: expect.stringMatching(/503|did not answer within 1000 ms/),
    });
    expect(
      fake.callsTo('compute', 'GET').filter((call) => call.fault === 'status').length,
    ).toBeGreaterThan(0);

    // Asked for meanwhile: accepted, but nothing is created while the API is down.
    expect(
      (await postJson(running.admin.host, running.admin.port, '/scaling/desired', { instances: 2 }))
        .status,
    ).toBe(202);
    await pause(1_000);
    const waiting = await readStatus(running.admin);
    expect(waiting.scaling).toMatchObject({
      desiredInstances: 2,
      actualInstances: 1,
      inProgress: [],
    });
    expect(
      running.logger.matching(
        /1 instance\(s\) short of the desired 2, but the cloud API is degraded: waiting until it answers/,
      ),
    ).toHaveLength(1);

    // Nova stops answering at all: every call times out.
    fake.clearFaults();
    fake.inject({ service: 'compute', hang: true });
    await pause(2_500);
    const hanging = await readStatus(running.admin);
    expect(degraded(hanging)).toBe(true);
    expect(hanging.cloudApi.lastError).toMatch(/did not answer within 1000 ms|timed out|timeout/i);

    // Keystone unreachable just when the token has to be renewed.
    fake.clearFaults();
    fake.expireAllTokens();
    fake.inject({ service: 'identity', closeConnection: true });
    await pause(2_500);
    const keystoneDown = await readStatus(running.admin);
    expect(degraded(keystoneDown)).toBe(true);
    // The controller did try to re-authenticate, and Keystone dropped it (each try ends in the call deadline or a connection error).
    expect(
      fake
        .callsTo('identity', 'POST', /\/auth\/tokens$/)
        .filter((call) => call.fault === 'closeConnection').length,
    ).toBeGreaterThan(0);
    expect(keystoneDown.cloudApi.lastError).toMatch(/did not answer within 1000 ms|identity/);

    // The API is back: the recovery is logged and the waiting scale-out runs.
    fake.clearFaults();
    const done = await waitForStatus(
      running.admin,
      '2 healthy instances',
      (status) => healthyInstances(status).length === 2 && status.scaling.inProgress.length === 0,
      30_000,
      log,
    );
    expect(done.cloudApi).toMatchObject({ state: 'ok', outagesRecovered: 1, failedCallsInARow: 0 });
    expect(
      running.logger.matching(
        /cloud API recovered after \d+\.\ds \(\d+ failed call\(s\), last: .*\); scaling resumes/,
      ),
    ).toHaveLength(1);
    expect(running.logger.matching(/cloud API degraded: /)).toHaveLength(1);
    expect(done.scaling.events.map((event) => [event.kind, event.state])).toEqual([
      ['scale-out', 'admitted'],
    ]);
    expect(fake.callsTo('compute', 'POST', /\/servers$/)).toHaveLength(1);
    expect(serversNamed(fake, 'service-auto-')).toHaveLength(1);

    const replies = (await clients?.stop()) ?? [];
    clients = undefined;
    expectNoClientError(replies);
    console.log(
      `cloud API outage: ${replies.length} client requests during ~10 s of outage and recovery, all 200`,
    );
  });

  it('an outage in the middle of a scale-out: its status polls fail and are retried, it is admitted once Nova answers, clients never notice', async () => {
    const { running, fake } = await start(1_500);
    expect(
      (await postJson(running.admin.host, running.admin.port, '/scaling/desired', { instances: 2 }))
        .status,
    ).toBe(202);
    await waitForStatus(
      running.admin,
      'a scale-out booting',
      (status) => status.scaling.inProgress.some((event) => event.state === 'booting'),
      10_000,
      log,
    );
    fake.inject({ service: 'compute', status: 500 });
    await waitForStatus(running.admin, 'the API degraded', degraded, 10_000, log);
    await pause(2_000);
    fake.clearFaults();
    const done = await waitForStatus(
      running.admin,
      '2 healthy instances',
      (status) => healthyInstances(status).length === 2 && status.scaling.inProgress.length === 0,
      30_000,
      log,
    );
    expect(done.scaling.events).toEqual([
      expect.objectContaining({ kind: 'scale-out', state: 'admitted' }),
    ]);
    expect(
      running.logger.withFields({
        msg: 'status call failed: retrying until the phase timeout',
        phase: 'booting',
        err: /500|did not answer within 1000 ms/,
      }).length,
    ).toBeGreaterThan(0);
    expect(done.cloudApi.state).toBe('ok');
    const replies = (await clients?.stop()) ?? [];
    clients = undefined;
    expectNoClientError(replies);
  });
});
