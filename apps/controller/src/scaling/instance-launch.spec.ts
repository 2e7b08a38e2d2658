import { LoggerService } from '@nestjs/common';
import { FieldMatch, LogRecord, logMatches, recordOf } from '../../e2e/support/log-lines';
import { FakeCloudController } from '../../test-support/fake-cloud-controller';
import { HealthConfig } from '../config/health.config';
import { ScalingConfig } from '../config/scaling.config';
import { BackendReadiness } from '../health/backend-readiness';
import { IllegalTransitionError, nextState } from '../pool/instance-lifecycle';
import { InstancePool } from '../pool/instance-pool';
import { INSTANCE_PROVIDER, InstanceProvider } from '../providers/instance-provider';
import { InstanceDeleter } from './instance-deleter';
import { InstanceLaunch } from './instance-launch';

/** Keeps what the launch logs as records (support/log-lines.ts), to assert on their fields. */
class RecordsLogger implements LoggerService {
  readonly records: LogRecord[] = [];
  log(message: unknown): void {
    this.records.push(recordOf('info', 'Scaling', message));
  }
  warn(message: unknown): void {
    this.records.push(recordOf('warn', 'Scaling', message));
  }
  error(message: unknown): void {
    this.records.push(recordOf('error', 'Scaling', message));
  }
  with(match: FieldMatch): LogRecord[] {
    return this.records.filter((record) => logMatches(record, match));
  }
}

describe('instance lifecycle: the transition function', () => {
  it('allows the launch line, removal line and stopped; refuses anything else', () => {
    expect(nextState('creating', 'booting')).toBe('booting');
    expect(nextState('health-checking', 'admitted')).toBe('admitted');
    expect(nextState('admitted', 'draining')).toBe('draining');
    expect(nextState('booting', 'stopped')).toBe('stopped');
    expect(() => nextState('creating', 'admitted')).toThrow(IllegalTransitionError);
    expect(() => nextState('failed', 'booting')).toThrow(
      /cannot go from failed to booting \(allowed: nothing, it is final\)/,
    );
  });
});

/** One InstanceLaunch against the fake OpenStack, its time driven by a manual clock. */
describe('InstanceLaunch', () => {
  jest.setTimeout(60_000);
  let running: FakeCloudController | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  function launchOn(
    controller: FakeCloudController,
    name: string,
  ): { launch: InstanceLaunch; logger: RecordsLogger } {
    const logger = new RecordsLogger();
    const app = controller.app;
    const launch = new InstanceLaunch(
      {
        provider: app.get<InstanceProvider>(INSTANCE_PROVIDER),
        readiness: app.get(BackendReadiness),
        pool: app.get(InstancePool),
        clock: controller.clock,
        scaling: app.get(ScalingConfig),
        health: app.get(HealthConfig),
        logger,
        deleter: app.get(InstanceDeleter),
      },
      7,
      'scale-out',
      'spec',
      name,
    );
    return { launch, logger };
  }

  async function run(
    controller: FakeCloudController,
    launch: InstanceLaunch,
    signal = new AbortController().signal,
  ) {
    let done = false;
    const finished = launch.execute(signal).finally(() => (done = true));
    await controller.until(() => done, 900_000);
    return finished;
  }

  it('walks creating -> booting -> addressing -> health-checking -> admitted, each transition logged once with the id and the elapsed time', async () => {
    running = await FakeCloudController.start();
    const { launch, logger } = launchOn(running, 'service-auto-aaaaa');
    const event = await run(running, launch);
    expect(event).toMatchObject({
      state: 'admitted',
      address: `${running.prefix}.2:5000`,
      instanceId: expect.any(String),
    });
    expect(Object.keys(event.phaseDurationsMs)).toEqual([
      'creating',
      'booting',
      'addressing',
      'health-checking',
    ]);
    const transitions = logger.with({ msg: 'instance phase change' });
    const identity = {
      event: 'scale-out',
      sequence: 7,
      instanceName: 'service-auto-aaaaa',
      instanceId: event.instanceId,
    };
    expect(transitions).toEqual([
      expect.objectContaining({
        ...identity,
        previousPhase: 'creating',
        phase: 'booting',
        elapsedMs: expect.any(Number),
        totalMs: expect.any(Number),
      }),
      expect.objectContaining({ ...identity, previousPhase: 'booting', phase: 'addressing' }),
      expect.objectContaining({
        ...identity,
        address: expect.stringMatching(/^127\.[\d.]+:5000$/),
        previousPhase: 'addressing',
        phase: 'health-checking',
      }),
      expect.objectContaining({ ...identity, previousPhase: 'health-checking', phase: 'admitted' }),
    ]);
    // Values are fields, never inside the message text.
    expect(transitions.map((record) => record.msg)).toEqual(Array(4).fill('instance phase change'));
    expect(running.app.get(InstancePool).get(event.instanceId as string)?.phase).toBe('admitted');
  });

  it("fails at once when the server goes to ERROR, with Nova's fault, and deletes what it created", async () => {
    running = await FakeCloudController.start();
    running.cloud.setServerBehaviour(
      { failWith: { message: 'No valid host was found.' } },
      { namePrefix: 'service-auto-' },
    );
    const { launch, logger } = launchOn(running, 'service-auto-bbbbb');
    const event = await run(running, launch);
    expect(event).toMatchObject({
      state: 'failed',
      failure: {
        phase: 'booting',
        reason: expect.stringMatching(/^server went to ERROR: No valid host was found/),
        cleanup: `deleted ${event.instanceId}`,
      },
    });
    expect(
      logger.with({
        msg: 'instance phase change',
        previousPhase: 'booting',
        phase: 'failed',
        level: 'error',
      }),
    ).toHaveLength(1);
    expect(running.cloud.callsTo('compute', 'DELETE')).toHaveLength(1);
  });

  it('times out on the clock (scaling.bootTimeoutMs), saying what it saw last, and cleans up', async () => {
    running = await FakeCloudController.start({
      bootTimeoutMs: 600_000,
      progressLogIntervalMs: 120_000,
    });
    running.cloud.setServerBehaviour(
      { pollsUntilActive: 1_000_000 },
      { namePrefix: 'service-auto-' },
    );
    const { launch, logger } = launchOn(running, 'service-auto-ccccc');
    const startedMs = running.clock.nowMs();
    const event = await run(running, launch);
    expect(event.failure).toMatchObject({
      phase: 'booting',
      reason: 'booting timed out after 600.0s (scaling.bootTimeoutMs); last seen: BUILD',
    });
    expect(running.clock.nowMs() - startedMs).toBeGreaterThanOrEqual(600_000);
    // Progress lines every 2 minutes of clock time, not one per poll.
    expect(
      logger.with({ msg: 'still waiting', phase: 'booting', lastSeen: 'BUILD' }).length,
    ).toBeGreaterThanOrEqual(4);
    expect(logger.with({ msg: 'still waiting', phase: 'booting' }).length).toBeLessThanOrEqual(5);
    // The poll interval grows to statusPollMaxMs: far fewer status calls than 600 s / 200 ms.
    const polls = running.cloud.callsTo(
      'compute',
      'GET',
      new RegExp(`/servers/${event.instanceId}$`),
    ).length;
    expect(polls).toBeGreaterThan(100); // about 600 s / statusPollMaxMs 5 s
    expect(polls).toBeLessThan(150);
  });

  it('ends as stopped (not failed) when the controller shuts down around it, and still cleans up', async () => {
    running = await FakeCloudController.start();
    running.cloud.setServerBehaviour(
      { pollsUntilActive: 1_000_000 },
      { namePrefix: 'service-auto-' },
    );
    const { launch, logger } = launchOn(running, 'service-auto-ddddd');
    const shutdown = new AbortController();
    let done = false;
    const finished = launch.execute(shutdown.signal).finally(() => (done = true));
    await running.until(() => launch.currentState === 'booting');
    shutdown.abort();
    await running.until(() => done);
    const event = await finished;
    expect(event).toMatchObject({
      state: 'stopped',
      failure: {
        reason: 'cancelled: the controller is shutting down',
        cleanup: `deleted ${event.instanceId}`,
      },
    });
    expect(logger.with({ previousPhase: 'booting', phase: 'stopped' })).toHaveLength(1);
    expect(logger.with({ phase: 'failed' })).toEqual([]);
  });
});
