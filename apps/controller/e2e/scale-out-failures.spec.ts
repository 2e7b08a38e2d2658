import * as fs from 'node:fs';
import * as net from 'node:net';
import { FakeOpenStack, ServerBehaviour } from '@osa/openstack-testkit';
import { SERVICE_BUNDLE } from './support/controller-process';
import { prepareSeedCloud, serversNamed } from './support/fake-cloud';
import { getJson, httpGet } from './support/http-get';
import { InProcessController } from './support/in-process-controller';
import { ownLoopbackPrefix } from './support/loopback';
import { ServiceInstance } from './support/service-instance';
import { LOGGED } from './support/log-lines';

interface StatusView {
  gate: { open: boolean };
  activeBackend: { address: string } | null;
  instances: Array<{ name: string; role: string }>;
  lastScaleEvent: {
    state: string;
    instanceId?: string;
    failure?: { phase: string; reason: string; cleanup: string };
  } | null;
  scaleOutBackoff: { consecutiveFailures: number; nextAllowedInMs: number };
}

const THRESHOLD = 3;

/**
 * Every way a scale-out can fail ends the same: the server it created is deleted, the gate is
 * open, clients are served by the old backend, one clear log line says why, and the back-off
 * keeps it from trying again at once.
 */
describe('scale-out failure paths', () => {
  jest.setTimeout(60_000);
  let prefix: string;
  let controller: InProcessController | undefined;
  let cloud: FakeOpenStack | undefined;
  let original: ServiceInstance | undefined;
  let blocker: net.Server | undefined;
  let dir: string | undefined;

  beforeEach(() => {
    prefix = ownLoopbackPrefix();
  });

  afterEach(async () => {
    await controller?.close();
    await original?.stop();
    await cloud?.stop();
    await new Promise((resolve) => (blocker ? blocker.close(resolve) : resolve(undefined)));
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    controller = cloud = original = blocker = dir = undefined;
  });

  function baseConfig(
    overrides: { scaling?: object; health?: object; provider?: object } = {},
  ): Record<string, unknown> {
    return {
      proxy: { listenHost: `${prefix}.200`, listenPort: 0 },
      admin: { listenHost: `${prefix}.201`, listenPort: 0 },
      provider: { kind: 'openstack', ...overrides.provider },
      scaling: {
        thresholdRequests: THRESHOLD,
        statusPollInitialMs: 100,
        statusPollMaxMs: 300,
        failureBackoffInitialMs: 600_000,
        failureBackoffMaxMs: 600_000,
        ...overrides.scaling,
      },
      health: { intervalMs: 100, ...overrides.health },
    };
  }

  async function startOnFakeCloud(
    behaviour: ServerBehaviour,
    overrides: Parameters<typeof baseConfig>[0] = {},
  ): Promise<InProcessController> {
    original = await ServiceInstance.start(`${prefix}.1`, 5000);
    cloud = await FakeOpenStack.start({ host: `${prefix}.250` });
    const seeded = await prepareSeedCloud(cloud, `${prefix}.1`);
    dir = seeded.dir;
    cloud.setServerBehaviour(behaviour, { namePrefix: 'service-auto-' });
    controller = await InProcessController.start(baseConfig(overrides), seeded.env);
    await controller.originalAdmitted();
    return controller;
  }

  /** Requests up to the threshold (the last one triggers and gets 503), then the scale-out runs to its end. */
  async function triggerAndWait(running: InProcessController): Promise<StatusView> {
    for (let n = 1; n <= THRESHOLD; n++) {
      const reply = await httpGet(running.proxy.host, running.proxy.port, '/');
      expect(reply.status).toBe(n < THRESHOLD ? 200 : 503);
    }
    await running.scaling.settled();
    return getJson<StatusView>(running.admin.host, running.admin.port, '/status');
  }

  /** After the failure: the gate is open and the old backend serves, with no new attempt (back-off). */
  async function expectServedByOriginal(running: InProcessController): Promise<void> {
    for (let n = 1; n <= THRESHOLD + 1; n++) {
      const reply = await httpGet(running.proxy.host, running.proxy.port, '/');
      expect([reply.status, reply.headers['x-instance-address']]).toEqual([
        200,
        `${prefix}.1:5000`,
      ]);
    }
    expect(running.scaling.inProgress()).toBeUndefined();
  }

  function expectNothingLeftInTheCloud(status: StatusView): void {
    if (!cloud) throw new Error('no cloud');
    expect(cloud.callsTo('compute', 'POST', /\/servers$/)).toHaveLength(1);
    expect(serversNamed(cloud, 'service-auto-')).toEqual([]);
    expect(status.gate.open).toBe(true);
    expect(status.activeBackend?.address).toBe(`${prefix}.1:5000`);
    expect(status.instances.map((instance) => instance.role)).toEqual(['original']);
    expect(status.scaleOutBackoff.consecutiveFailures).toBe(1);
    if (status.lastScaleEvent?.instanceId) {
      const deletes = cloud.callsTo('compute', 'DELETE').map((call) => call.path);
      expect(deletes).toEqual([expect.stringContaining(status.lastScaleEvent.instanceId)]);
      expect(status.lastScaleEvent.failure?.cleanup).toBe(
        `deleted ${status.lastScaleEvent.instanceId}`,
      );
    }
  }

  it('server goes to ERROR: fails at once with Nova fault message', async () => {
    const running = await startOnFakeCloud({
      bootDelayMs: 300,
      failWith: {
        message: 'No valid host was found. There are not enough hosts available.',
        code: 500,
      },
    });
    const status = await triggerAndWait(running);
    expect(status.lastScaleEvent?.failure).toMatchObject({
      phase: 'booting',
      reason: expect.stringContaining('server went to ERROR: No valid host was found'),
    });
    expect(
      running.logger.withFields(
        LOGGED.phaseChange({
          previousPhase: 'booting',
          phase: 'failed',
          detail: /server went to ERROR: No valid host was found/,
        }),
      ),
    ).toHaveLength(1);
    expectNothingLeftInTheCloud(status);
    await expectServedByOriginal(running);
  });

  it('boot timeout: still BUILD when scaling.bootTimeoutMs runs out', async () => {
    const running = await startOnFakeCloud(
      { bootDelayMs: 600_000 },
      { scaling: { bootTimeoutMs: 2_500, progressLogIntervalMs: 1_000 } },
    );
    const status = await triggerAndWait(running);
    expect(status.lastScaleEvent?.failure).toMatchObject({
      phase: 'booting',
      reason: expect.stringMatching(
        /booting timed out after 2\.50s \(scaling\.bootTimeoutMs\); last seen: BUILD/,
      ),
    });
    expect(
      running.logger.withFields(LOGGED.phaseChange({ previousPhase: 'booting', phase: 'failed' })),
    ).toHaveLength(1);
    // The long wait said what it was doing while it waited.
    expect(
      running.logger.withFields({
        msg: 'still waiting',
        phase: 'booting',
        lastSeen: /^BUILD/,
        timeoutMs: 2_500,
      }).length,
    ).toBeGreaterThanOrEqual(1);
    expectNothingLeftInTheCloud(status);
    await expectServedByOriginal(running);
  });

  it('ACTIVE but never an address on the network', async () => {
    const running = await startOnFakeCloud(
      { bootDelayMs: 200, address: () => `${prefix}.2`, addressDelayMs: Infinity },
      { scaling: { addressTimeoutMs: 1_000 } },
    );
    const status = await triggerAndWait(running);
    expect(status.lastScaleEvent?.failure).toMatchObject({
      phase: 'addressing',
      reason: expect.stringMatching(
        /addressing timed out after 1\.00s \(scaling\.addressTimeoutMs\); last seen: ACTIVE without an address \(.*not on network "test"/,
      ),
    });
    expect(
      running.logger.withFields(
        LOGGED.phaseChange({ previousPhase: 'addressing', phase: 'failed' }),
      ),
    ).toHaveLength(1);
    expectNothingLeftInTheCloud(status);
    await expectServedByOriginal(running);
  });

  it('health checks never pass on the new server', async () => {
    // Nothing listens on .3: every check is refused.
    const running = await startOnFakeCloud(
      { bootDelayMs: 200, address: () => `${prefix}.3` },
      { health: { readinessTimeoutMs: 1_000 } },
    );
    const status = await triggerAndWait(running);
    expect(status.lastScaleEvent?.failure).toMatchObject({
      phase: 'health-checking',
      reason: expect.stringMatching(
        new RegExp(
          `no 2 passing health checks in a row on ${prefix.replace(/\./g, '\\.')}\\.3:5000/healthz within 1000 ms .*last: ECONNREFUSED`,
        ),
      ),
    });
    expect(
      running.logger.withFields(
        LOGGED.phaseChange({ previousPhase: 'health-checking', phase: 'failed' }),
      ),
    ).toHaveLength(1);
    expectNothingLeftInTheCloud(status);
    await expectServedByOriginal(running);
  });

  it('quota exceeded: the quota check refuses before Nova is asked; nothing was created, nothing to delete', async () => {
    const running = await startOnFakeCloud({ bootDelayMs: 200 });
    if (!cloud) throw new Error('no cloud');
    cloud.quota.instances = 1; // service-vm-1 already uses it
    const status = await triggerAndWait(running);
    // Issue 18: GET /limits says the next instance would exceed `instances`, so no POST /servers.
    expect(status.lastScaleEvent?.failure).toMatchObject({
      phase: 'creating',
      reason: expect.stringMatching(/creating failed: quota instances: .* 1 over; no create call/),
      cleanup: 'nothing was created',
    });
    expect(status.lastScaleEvent?.instanceId).toBeUndefined();
    expect(
      running.logger.withFields(
        LOGGED.phaseChange({
          previousPhase: 'creating',
          phase: 'failed',
          detail: /quota instances: /,
        }),
      ),
    ).toHaveLength(1);
    expect(cloud.callsTo('compute', 'POST', /\/servers$/)).toEqual([]);
    expect(cloud.callsTo('compute', 'DELETE')).toEqual([]);
    expect(serversNamed(cloud, 'service-auto-')).toEqual([]);
    expect(status.gate.open).toBe(true);
    expect(status.instances.map((instance) => instance.role)).toEqual(['original']);
    // Held until the quota changes (said once), not a back-off of failures.
    expect(status.scaleOutBackoff.consecutiveFailures).toBe(0);
    expect(running.logger.matching(/waiting until capacity changes: quota instances/)).toHaveLength(
      1,
    );
    await expectServedByOriginal(running);
  });

  it('local provider: the new instance process dies (its address is taken) -> ERROR with the exit reason, process reaped', async () => {
    // Someone else holds the clone's address: the service exits with EADDRINUSE.
    blocker = net.createServer();
    await new Promise<void>((resolve) => blocker?.listen(5000, `${prefix}.2`, resolve));
    controller = await InProcessController.start({
      ...baseConfig(),
      provider: {
        kind: 'local',
        local: { bundlePath: SERVICE_BUNDLE, firstAddress: `${prefix}.1`, bootDelayMs: 500 },
      },
    });
    await controller.originalAdmitted();
    const status = await triggerAndWait(controller);
    expect(status.lastScaleEvent?.failure).toMatchObject({
      phase: 'booting',
      reason: expect.stringMatching(
        /server went to ERROR: process exited with code 1: .*EADDRINUSE/,
      ),
      cleanup: `deleted ${status.lastScaleEvent?.instanceId}`,
    });
    expect(status.gate.open).toBe(true);
    expect(status.instances.map((instance) => instance.role)).toEqual(['original']);
    await expectServedByOriginal(controller);
  });
});
