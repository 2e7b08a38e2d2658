import { FakeCloudController } from '../../test-support/fake-cloud-controller';
import { InstanceDeleter } from './instance-deleter';

/** The one way instances are deleted, against the fake OpenStack with a manual clock. */
describe('InstanceDeleter', () => {
  jest.setTimeout(60_000);
  let running: FakeCloudController | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  async function serverToDelete(
    controller: FakeCloudController,
  ): Promise<{ id: string; name: string }> {
    const server = controller.cloud.seedServer({
      name: 'service-auto-doomed',
      metadata: { 'osa:group': 'other' },
    });
    return { id: server.id, name: server.name };
  }

  it('retries a failing delete 1 s then 2 s later on the clock, and succeeds on the third attempt', async () => {
    running = await FakeCloudController.start();
    const target = await serverToDelete(running);
    running.cloud.inject({
      service: 'compute',
      method: 'DELETE',
      path: /\/servers\//,
      status: 409,
      times: 2,
    });
    const deleter = running.app.get(InstanceDeleter);
    let outcome: Awaited<ReturnType<InstanceDeleter['delete']>> | undefined;
    const startedMs = running.clock.nowMs();
    void deleter.delete(target, 'spec').then((result) => (outcome = result));
    await running.until(() => outcome !== undefined);
    expect(outcome).toEqual({ deleted: true, note: `deleted ${target.id}` });
    expect(running.cloud.callsTo('compute', 'DELETE')).toHaveLength(3);
    expect(running.clock.nowMs() - startedMs).toBeGreaterThanOrEqual(3_000);
    expect(
      running.logger.withFields({
        msg: 'delete failed',
        requestedBy: 'spec',
        instanceName: 'service-auto-doomed',
        attempts: 3,
        attempt: /^[12]$/,
      }),
    ).toHaveLength(2);
    expect(deleter.isOurs(target.id)).toBe(true);
  });

  it('during an outage keeps the instance on a list and deletes it in the background once the API answers, with back-off', async () => {
    running = await FakeCloudController.start();
    const target = await serverToDelete(running);
    const outage = running.cloud.inject({
      service: 'compute',
      method: 'DELETE',
      path: /\/servers\//,
      status: 409,
    });
    const deleter = running.app.get(InstanceDeleter);
    let outcome: Awaited<ReturnType<InstanceDeleter['delete']>> | undefined;
    void deleter.delete(target, 'spec').then((result) => (outcome = result));
    await running.until(() => outcome !== undefined);
    expect(outcome).toMatchObject({
      deleted: false,
      note: expect.stringContaining('retrying in the background until it is gone'),
    });
    expect(deleter.pendingView()).toEqual([
      expect.objectContaining({ id: target.id, attempts: 3, nextAttemptInMs: 2_000 }),
    ]);
    // Background attempts after 2 s, then 4 s more (doubling): the 5th no sooner than 6 s of clock time later.
    const listedAtMs = running.clock.nowMs();
    await running.until(() => running?.cloud.callsTo('compute', 'DELETE').length === 5);
    expect(running.clock.nowMs() - listedAtMs).toBeGreaterThanOrEqual(6_000);
    expect(running.clock.nowMs() - listedAtMs).toBeLessThan(7_000);
    await running.until(() => deleter.pendingView()[0]?.attempts === 5);
    outage.remove();
    await running.until(() => deleter.pendingView().length === 0);
    expect(
      running.logger.withFields({
        msg: 'deleted in the background: nothing left behind',
        requestedBy: 'spec',
        instanceName: 'service-auto-doomed',
        attempt: 6,
      }),
    ).toHaveLength(1);
  });
});
