import { OpenStackClient } from '@osa/openstack-client';
import { FakeOpenStack } from '@osa/openstack-testkit';
import { SystemClock } from '../clock/clock';
import { LeadershipConfig } from '../config/leadership.config';
import { ProviderConfig } from '../config/provider.config';
import { LeaderElection } from './leader-election.service';

/** The election with its exit recorded instead of ending the test process. */
class RecordedElection extends LeaderElection {
  exits = 0;
  protected override exit(): void {
    this.exits += 1;
  }
}

describe('LeaderElection on the fake Neutron', () => {
  jest.setTimeout(40_000);
  let cloud: FakeOpenStack;
  let client: OpenStackClient;
  let election: RecordedElection | undefined;

  beforeEach(async () => {
    cloud = await FakeOpenStack.start();
    client = OpenStackClient.fromEnvironment({ env: cloud.openrcEnv() });
  });
  afterEach(async () => {
    await election?.onApplicationShutdown();
    election = undefined;
    client.close();
    await cloud.stop();
  });

  it('a renew whose answer is lost but which Neutron applied keeps the leader (no step-down, no exit)', async () => {
    election = new RecordedElection(
      Object.assign(new LeadershipConfig(), {
        enabled: true,
        holderId: 'ctl-a',
        leaseDurationMs: 6_000,
        renewIntervalMs: 2_000,
      }),
      new ProviderConfig(),
      client,
      new SystemClock(),
    );
    const steppedDown: string[] = [];
    election.events.on('stepped-down', (reason) => steppedDown.push(reason));
    const elected = new Promise<void>((resolve) => election?.events.once('elected', resolve));
    election.onApplicationBootstrap();
    await elected;

    // The next renew's PUT is answered after 1.2 s: later than the write waits (renewIntervalMs
    // / 2 = 1 s), so the call fails, but the fake applies it, as a slow Neutron does. The retry's
    // reading (1 s + renewIntervalMs / 4 after the send) finds our token from that write.
    cloud.inject({
      service: 'network',
      method: 'PUT',
      path: /security-groups\//,
      delayMs: 1_200,
      times: 1,
    });
    const slowPut = async (): Promise<void> => {
      for (
        let i = 0;
        i < 100 && cloud.callsTo('network', 'PUT', /security-groups\//).every((c) => !c.fault);
        i++
      )
        await new Promise((resolve) => setTimeout(resolve, 20));
    };
    await slowPut();
    // A few renew intervals after it: still leader, never stepped down.
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    expect(steppedDown).toEqual([]);
    expect(election.exits).toBe(0);
    expect(election.isLeader()).toBe(true);
    expect(election.view().detail).toMatch(/^leader since/);
    // Renewed since: later PUTs went through (the slow one was not the last).
    expect(cloud.callsTo('network', 'PUT', /security-groups\//).length).toBeGreaterThanOrEqual(3);
    expect(
      cloud.callsTo('network', 'PUT', /security-groups\//).filter((c) => c.fault),
    ).toHaveLength(1);
  });
});
