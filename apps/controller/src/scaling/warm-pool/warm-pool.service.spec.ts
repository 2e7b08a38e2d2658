import { OpenStackClient } from '@osa/openstack-client';
import { FakeCloudController } from '../../../test-support/fake-cloud-controller';
import { serversNamed } from '../../../e2e/support/fake-cloud';
import { StatusService } from '../../admin/status.service';
import { nextState } from '../../pool/instance-lifecycle';
import { InstancePool } from '../../pool/instance-pool';
import { LaunchEvent } from '../scaling-event';
import { WarmPoolService } from './warm-pool.service';

/**
 * The warm pool inside the whole controller on the fake OpenStack (the testkit is the only double),
 * its time on a ManualClock: fills, a scale-out that starts a warm server instead of creating one,
 * the cold fallback, the quota refusal and the stale-image replacement. Counts and states only.
 */
describe('warm pool (scaling.warmPool) on the fake OpenStack', () => {
  jest.setTimeout(120_000);
  let running: FakeCloudController | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  const warmPool = (controller: FakeCloudController): WarmPoolService =>
    controller.app.get(WarmPoolService);
  const creates = (controller: FakeCloudController): number =>
    controller.cloud.callsTo('compute', 'POST', /\/servers$/).length;
  const metadataState = (controller: FakeCloudController, id: string): string | undefined =>
    controller.cloud.state.servers.get(id)?.metadata['osa:state'];

  async function startWithPool(
    size: number,
    extra: Record<string, unknown> = {},
  ): Promise<FakeCloudController> {
    const controller = await FakeCloudController.start({
      maxInstances: 3,
      policies: [],
      warmPool: { size, checkIntervalMs: 1_000, refillBackoffInitialMs: 5_000 },
      ...extra,
    });
    controller.cloud.setServerBehaviour(
      { address: () => `${controller.prefix}.2`, bootDelayMs: 0, actionDelayMs: 0 },
      { namePrefix: 'service-auto-' },
    );
    return controller;
  }

  async function scaleOutOnce(controller: FakeCloudController): Promise<LaunchEvent> {
    const before = controller.scaling.events().length;
    controller.scaling.setDesired((controller.scaling.desiredCount ?? 1) + 1, {
      source: 'manual',
      reason: 'spec',
    });
    await controller.until(() => controller.scaling.events().length > before);
    return controller.scaling.events()[before] as LaunchEvent;
  }

  it('the lifecycle has the warm states: health-checking -> powering-off -> warm -> powering-on -> addressing', () => {
    expect(nextState('health-checking', 'powering-off')).toBe('powering-off');
    expect(nextState('powering-off', 'warm')).toBe('warm');
    expect(nextState('warm', 'powering-on')).toBe('powering-on');
    expect(nextState('creating', 'powering-on')).toBe('powering-on');
    expect(nextState('powering-on', 'addressing')).toBe('addressing');
    expect(() => nextState('warm', 'admitted')).toThrow(/cannot go from warm to admitted/);
  });

  it('fills W stopped servers marked osa:state=warm, none in traffic; a scale-out starts one instead of a create, and the pool refills', async () => {
    running = await startWithPool(2);
    const controller = running;
    await controller.until(() => warmPool(controller).view().warm === 2);
    const warm = serversNamed(controller.cloud, 'service-auto-');
    expect(
      warm.map((server) => [
        server.status,
        server.metadata['osa:state'],
        server.metadata['osa:reason'],
      ]),
    ).toEqual([
      ['SHUTOFF', 'warm', 'warm-pool'],
      ['SHUTOFF', 'warm', 'warm-pool'],
    ]);
    expect(
      controller.app
        .get(InstancePool)
        .list()
        .map((instance) => instance.role),
    ).toEqual(['original']);
    // Self-healing lists the group every 5 s (two sightings make an orphan): warm servers are the pool's, never swept.
    const sinceMs = controller.clock.nowMs();
    await controller.until(() => controller.clock.nowMs() - sinceMs >= 20_000);
    expect(controller.cloud.callsTo('compute', 'DELETE')).toEqual([]);
    expect(warmPool(controller).view().warm).toBe(2);
    const createsBefore = creates(controller);

    const event = await scaleOutOnce(controller);
    expect(event.state).toBe('admitted');
    expect(Object.keys(event.phaseDurationsMs)).toEqual([
      'creating',
      'powering-on',
      'addressing',
      'health-checking',
    ]);
    expect(warm.map((server) => server.id)).toContain(event.instanceId);
    // The scale-out itself created nothing; the one create after it is the refill.
    await controller.until(() => warmPool(controller).view().warm === 2);
    expect(creates(controller)).toBe(createsBefore + 1);
    await warmPool(controller).settled();
    expect(metadataState(controller, event.instanceId as string)).toBe('in-service');
    const status = controller.app.get(StatusService).snapshot();
    expect(status.admission.lastWarm).toMatchObject({
      sequence: event.sequence,
      fromWarmPool: true,
    });
    expect(status.admission.lastWarm?.phases.map((phase) => phase.phase)).toEqual([
      'creating',
      'powering-on',
      'addressing',
      'health-checking',
    ]);
    expect(status.warmPool).toMatchObject({
      size: 2,
      warm: 2,
      takenWarm: 1,
      coldBecauseEmpty: 0,
      quotaRefused: null,
    });
  });

  it('shelve: true: warm servers are shelved (SHELVED_OFFLOADED), a scale-out unshelves one instead of a create, and the refill is shelved again', async () => {
    running = await startWithPool(1, {
      warmPool: { size: 1, shelve: true, checkIntervalMs: 1_000, refillBackoffInitialMs: 5_000 },
    });
    const controller = running;
    const actionsOf = (id: string): string[] =>
      (controller.cloud.state.servers.get(id)?.actions ?? []).map((entry) => entry.action);
    await controller.until(() => warmPool(controller).view().warm === 1);
    const [warm] = serversNamed(controller.cloud, 'service-auto-');
    expect([warm.status, warm.metadata['osa:state']]).toEqual(['SHELVED_OFFLOADED', 'warm']);
    expect(actionsOf(warm.id)).toContain('shelve');
    expect(actionsOf(warm.id)).not.toContain('stop');
    const createsBefore = creates(controller);

    const event = await scaleOutOnce(controller);
    expect(event.state).toBe('admitted');
    expect(event.instanceId).toBe(warm.id);
    expect(actionsOf(warm.id).slice(-2)).toEqual(['shelve', 'unshelve']);
    // The one create after the take is the refill, shelved in its turn.
    await controller.until(() => warmPool(controller).view().warm === 1);
    await warmPool(controller).settled();
    expect(creates(controller)).toBe(createsBefore + 1);
    const refills = serversNamed(controller.cloud, 'service-auto-').filter(
      (server) => server.id !== warm.id,
    );
    expect(refills.map((server) => [server.status, server.metadata['osa:state']])).toEqual([
      ['SHELVED_OFFLOADED', 'warm'],
    ]);
    expect(metadataState(controller, warm.id)).toBe('in-service');
    expect(controller.app.get(StatusService).snapshot().warmPool).toMatchObject({
      shelve: true,
      warm: 1,
      takenWarm: 1,
      coldBecauseEmpty: 0,
    });
  });

  it('with the pool empty a scale-out creates cold and says so once; a quota refusal is logged once and shown on /status until a refill succeeds', async () => {
    running = await startWithPool(1);
    const controller = running;
    await controller.until(() => warmPool(controller).view().warm === 1);
    // The original and the warm server use the quota up: the refill after a scale-out is refused with Nova's 403.
    controller.cloud.quota.instances = 2;
    expect((await scaleOutOnce(controller)).phaseDurationsMs['powering-on']).toEqual(
      expect.any(Number),
    );
    await controller.until(() => warmPool(controller).view().quotaRefused !== null);
    await controller.clock.advance(30_000);
    const refusals = controller.logger.matching(/warm pool refill refused by the project quota/);
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toMatch(/Quota exceeded for instances/);
    const view = controller.app.get(StatusService).snapshot().warmPool;
    expect(view).toMatchObject({
      warm: 0,
      quotaRefused: { since: expect.any(String), message: expect.stringMatching(/Quota exceeded/) },
    });
    expect(view.refillBackoff.consecutiveFailures).toBeGreaterThan(1);
    // Only the server the scale-out took: no refused refill left anything behind.
    expect(
      serversNamed(controller.cloud, 'service-auto-').map((server) => server.metadata['osa:state']),
    ).toEqual(['in-service']);

    controller.cloud.quota.instances = 10;
    const event = await scaleOutOnce(controller);
    expect(event.state).toBe('admitted');
    expect(Object.keys(event.phaseDurationsMs)).toEqual([
      'creating',
      'booting',
      'addressing',
      'health-checking',
    ]);
    expect(
      controller.logger.matching(/warm pool empty: this scale-out creates a server cold/),
    ).toHaveLength(1);
    await controller.until(() => warmPool(controller).view().warm === 1, 600_000);
    expect(controller.app.get(StatusService).snapshot().warmPool.quotaRefused).toBeNull();
    expect(controller.logger.matching(/the quota allows refills again/)).toHaveLength(1);
  });

  it('a warm server found running is stopped again, and a scale-out meanwhile does not take it (it creates cold)', async () => {
    running = await startWithPool(1);
    const controller = running;
    await controller.until(() => warmPool(controller).view().warm === 1);
    const [server] = serversNamed(controller.cloud, 'service-auto-');
    // Running again behind the controller's back (as an os-start that reached Nova just before a
    // kill -9 leaves it), set in the fake's state at once: no pool round can stop it before the
    // os-stop below is held.
    Object.assign(controller.cloud.state.servers.get(server.id) as object, {
      status: 'ACTIVE',
      vmState: 'active',
      taskState: null,
      powerState: 1,
    });
    // The stop again is held by the cloud for 5 s of real time (the spec's clock is manual): the
    // scale-out below asks the pool for a server as it starts, well inside that.
    const stopPath = new RegExp(`/servers/${server.id}/action$`);
    controller.cloud.inject({
      service: 'compute',
      method: 'POST',
      path: stopPath,
      delayMs: 5_000,
      times: 1,
    });
    // Logged just before the os-stop goes out.
    await controller.until(
      () => controller.logger.matching(/is running: stopping it again/).length === 1,
    );
    const createsBefore = creates(controller);

    const event = await scaleOutOnce(controller);
    expect(event.instanceId).not.toBe(server.id);
    expect(creates(controller)).toBe(createsBefore + 1);
    expect(
      controller.logger.matching(
        /warm pool empty \(1 found running are being stopped again\): this scale-out creates a server cold/,
      ),
    ).toHaveLength(1);

    // The stop lands (after its real-time delay) and the server is warm again, still in the pool.
    const deadline = Date.now() + 30_000;
    while (
      controller.cloud.state.servers.get(server.id)?.status !== 'SHUTOFF' ||
      !warmPool(controller)
        .view()
        .members.some((member) => member.id === server.id)
    ) {
      if (Date.now() > deadline) throw new Error('the warm server was not stopped again in 30 s');
      await controller.clock.advance(50);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(metadataState(controller, server.id)).toBe('warm');
  });

  it('replaces warm servers of an older golden image, oldest first, one at a time', async () => {
    running = await startWithPool(2);
    const controller = running;
    await controller.until(() => warmPool(controller).view().warm === 2);
    // Older = created first, as the controller saw the creates answered.
    const [older, newer] = controller.logger
      .matching(
        /instance phase change event=warm-fill sequence=\d+ instanceName=service-auto-\w+ instanceId=[\w-]+ previousPhase=creating phase=booting/,
      )
      .map((line) => ({ id: (line.match(/instanceId=([\w-]+)/) ?? [])[1] }));
    const client = OpenStackClient.fromEnvironment({ env: controller.cloud.openrcEnv() });
    try {
      const image = await client.image.images.create({
        name: 'service-golden',
        diskFormat: 'qcow2',
        containerFormat: 'bare',
        // A bake time after the seeded image's: the fake's created_at has whole seconds, and a
        // tie would be broken by the (random) id, so the newer image must say it is newer.
        properties: { osa_baked_at: new Date(Date.now() + 60_000).toISOString() },
      });
      await client.image.images.upload(image.id, Buffer.from('a newer golden image\n'));
    } finally {
      client.close();
    }
    await controller.until(
      () =>
        controller.logger.matching(/is no longer the golden image/).length === 2 &&
        warmPool(controller).view().warm === 2,
      600_000,
    );
    const replaced = controller.logger.matching(/is no longer the golden image/);
    expect(replaced[0]).toContain(older.id);
    expect(replaced[1]).toContain(newer.id);
    expect(
      warmPool(controller)
        .view()
        .members.map((member) => member.stale),
    ).toEqual([false, false]);
    expect(serversNamed(controller.cloud, 'service-auto-').map((server) => server.id)).not.toEqual(
      expect.arrayContaining([older.id]),
    );
  });
});
