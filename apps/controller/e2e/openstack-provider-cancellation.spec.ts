import * as fs from 'node:fs';
import { Logger } from '@nestjs/common';
import { OpenStackClient } from '@osa/openstack-client';
import { CallRecord, FakeOpenStack } from '@osa/openstack-testkit';
import { ProviderConfig } from '../src/config/provider.config';
import { SystemClock } from '../src/clock/clock';
import { CloudApiHealth } from '../src/providers/cloud-api-health';
import { MonitoredInstanceProvider } from '../src/providers/monitored-instance-provider';
import { OpenStackPlacement } from '../src/providers/openstack/placement/openstack-placement.service';
import { PlacementState } from '../src/providers/placement/placement-state';
import { OpenStackInstanceProvider } from '../src/providers/openstack/openstack-instance-provider';
import { ProviderCallTimeoutError } from '../src/providers/provider-call';
import { prepareSeedCloud } from './support/fake-cloud';
import { ownLoopbackPrefix } from './support/loopback';

/**
 * The signal a provider call is given reaches the OpenStack client: when the caller cancels, or
 * the call's deadline passes, the HTTP request Nova holds is destroyed (the fake sees the client
 * close the connection), instead of running on behind a promise race.
 */
describe('openstack provider calls end their HTTP requests when cancelled', () => {
  jest.setTimeout(30_000);
  let cloud: FakeOpenStack | undefined;
  let client: OpenStackClient | undefined;
  let dir: string | undefined;

  beforeAll(() => Logger.overrideLogger(['error']));
  afterAll(() => Logger.overrideLogger(['log', 'error', 'warn', 'debug', 'verbose', 'fatal']));
  afterEach(async () => {
    client?.close();
    await cloud?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    cloud = client = dir = undefined;
  });

  async function start(callTimeoutMs: number): Promise<{
    provider: MonitoredInstanceProvider;
    health: CloudApiHealth;
    fake: FakeOpenStack;
    serverId: string;
  }> {
    const prefix = ownLoopbackPrefix();
    const fake = await FakeOpenStack.start({ host: `${prefix}.250` });
    cloud = fake;
    const seeded = await prepareSeedCloud(fake, `${prefix}.9`);
    dir = seeded.dir;
    // The client's own per-request timeout is far away: only the signal can end the request.
    client = OpenStackClient.fromEnvironment({
      env: seeded.env,
      cwd: dir,
      homeDir: dir,
      overrides: { timeoutMs: 600_000 },
    });
    await client.compute.microversion(); // negotiated before Nova hangs (it is shared, not per call)
    const config = new ProviderConfig();
    config.kind = 'openstack';
    const clock = new SystemClock();
    const health = new CloudApiHealth(clock);
    const placement = new OpenStackPlacement(config.openstack, client, clock, new PlacementState());
    const provider = new MonitoredInstanceProvider(
      new OpenStackInstanceProvider(config.openstack, config, client, placement),
      health,
      callTimeoutMs,
    );
    return { provider, health, fake, serverId: seeded.original.id };
  }

  /** Bounded wait for something the fake records (no wall-clock assertion: a miss fails by the bound). */
  async function eventually<T>(what: string, read: () => T | undefined): Promise<T> {
    for (let tries = 0; tries < 1_000; tries++) {
      const value = read();
      if (value !== undefined) return value;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`never saw ${what}`);
  }

  const hangingGet = (fake: FakeOpenStack): CallRecord | undefined =>
    fake.callsTo('compute', 'GET').find((call) => call.fault === 'hang');

  it('a call its caller cancels destroys the request Nova holds, and says nothing about the API', async () => {
    const { provider, health, fake, serverId } = await start(60_000);
    fake.inject({ service: 'compute', method: 'GET', hang: true });
    const caller = new AbortController();
    const call = provider.describe(serverId, caller.signal).catch((error: unknown) => error);
    const held = await eventually('the status GET reach Nova', () => hangingGet(fake));
    caller.abort(new Error('controller shutting down'));

    expect(await call).toEqual(new Error('controller shutting down'));
    await eventually('the client close the connection', () =>
      held.clientClosedEarly ? true : undefined,
    );
    expect(health.status()).toMatchObject({ state: 'ok', failedCallsInARow: 0 });
  });

  it('a call that runs out of time destroys its request too, and counts as the API not answering', async () => {
    const { provider, health, fake } = await start(300);
    fake.inject({ service: 'compute', method: 'GET', hang: true });
    const error = await provider.listGroup().catch((caught: unknown) => caught);
    const held = await eventually('the list GET reach Nova', () => hangingGet(fake));

    expect(error).toEqual(new ProviderCallTimeoutError('list the group', 300));
    await eventually('the client close the connection', () =>
      held.clientClosedEarly ? true : undefined,
    );
    expect(health.status()).toMatchObject({
      state: 'degraded',
      failedCallsInARow: 1,
      lastError:
        'list the group: list the group did not answer within 300 ms (scaling.providerCallTimeoutMs)',
    });
    expect(fake.callsTo('compute', 'GET').filter((call) => call.fault === 'hang')).toHaveLength(1); // not retried after the deadline
  });
});
