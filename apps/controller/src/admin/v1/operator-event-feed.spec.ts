import { TrafficConfig } from '../../config/traffic.config';
import { InstancePool } from '../../pool/instance-pool';
import { SwitchTrafficSelector } from '../../pool/traffic-selector';
import { LaunchEvent, RemovalEvent } from '../../scaling/scaling-event';
import { ScalingEventLog } from '../../scaling/scaling-event-log';
import { ManualClock } from '../../../test-support/manual-clock';
import { OPERATOR_EVENTS_KEPT, OperatorEventFeed } from './operator-event-feed';

describe('OperatorEventFeed', () => {
  let clock: ManualClock;
  let pool: InstancePool;
  let log: ScalingEventLog;
  let selector: SwitchTrafficSelector;
  let feed: OperatorEventFeed;

  beforeEach(() => {
    clock = new ManualClock();
    pool = new InstancePool(clock);
    log = new ScalingEventLog();
    selector = new SwitchTrafficSelector(pool);
    selector.onModuleInit();
    feed = new OperatorEventFeed(log, pool, selector, clock, new TrafficConfig());
    feed.onApplicationBootstrap();
  });
  afterEach(() => {
    feed.onModuleDestroy();
    selector.onModuleDestroy();
  });

  /** A scale-out record as a launch starts it (in `creating`). */
  function startedScaleOut(sequence: number, instanceId?: string): LaunchEvent {
    return {
      sequence,
      kind: 'scale-out',
      trigger: 'request 10',
      startedAt: clock.now().toISOString(),
      state: 'creating',
      instanceName: `service-auto-${sequence}`,
      ...(instanceId ? { instanceId } : {}),
      phaseDurationsMs: {},
    };
  }

  function admitOriginal(): void {
    pool.register({
      id: 'vm1',
      name: 'service-vm-1',
      role: 'original',
      phase: 'health-checking',
      backend: { id: 'vm1', host: '127.0.10.1', port: 5000 },
    });
    pool.admit('vm1');
  }

  it('times each phase of a scale-out from the pool changes, and records the traffic switch it causes', async () => {
    admitOriginal();
    const event = startedScaleOut(1);
    log.started(event);
    await clock.advance(40);
    event.instanceId = 'c1';
    event.phaseDurationsMs.creating = 40;
    // The launch moves its record with the pool (the feed's 200 ms state watch runs on this clock too).
    event.state = 'booting';
    pool.register({ id: 'c1', name: 'service-auto-1', role: 'clone', phase: 'booting' });
    await clock.advance(900);
    pool.setBackend('c1', { id: 'c1', host: '127.0.10.2', port: 5000 });
    event.state = 'addressing';
    pool.setPhase('c1', 'addressing');
    await clock.advance(5);
    event.state = 'health-checking';
    pool.setPhase('c1', 'health-checking');
    await clock.advance(300);
    event.state = 'admitted';
    event.phaseDurationsMs['health-checking'] = 300;
    pool.admit('c1');
    event.finishedAt = clock.now().toISOString();
    log.finished(event);
    await clock.runDeferred();

    const [switched, scaleOut, firstSwitch] = feed.list();
    expect(
      scaleOut.transitions.map(({ from, to, elapsedMs, totalMs }) => [
        from,
        to,
        elapsedMs,
        totalMs,
      ]),
    ).toEqual([
      [null, 'creating', 0, 0],
      ['creating', 'booting', 40, 40],
      ['booting', 'addressing', 900, 940],
      ['addressing', 'health-checking', 5, 945],
      ['health-checking', 'admitted', 300, 1245],
    ]);
    expect(switched).toMatchObject({
      kind: 'traffic-switch',
      instanceName: 'service-auto-1',
      transitions: [{ from: 'service-vm-1', to: 'switched' }],
    });
    expect(firstSwitch).toMatchObject({
      kind: 'traffic-switch',
      instanceName: 'service-vm-1',
      transitions: [{ from: null }],
    });
  });

  it('fills in a removal phase it did not see change (draining -> deleting) from the record when the removal finishes', async () => {
    admitOriginal();
    const removal: RemovalEvent = {
      sequence: 2,
      kind: 'scale-in',
      trigger: 'admin',
      startedAt: clock.now().toISOString(),
      state: 'draining',
      instanceName: 'service-vm-1',
      instanceId: 'vm1',
      inFlightAtStart: 0,
      phaseDurationsMs: {},
    };
    log.started(removal);
    await clock.advance(120);
    removal.phaseDurationsMs.draining = 120;
    removal.state = 'deleting';
    await clock.advance(30);
    removal.phaseDurationsMs.deleting = 30;
    removal.state = 'removed';
    removal.finishedAt = clock.now().toISOString();
    log.finished(removal);
    await clock.runDeferred();
    const scaleIn = feed.list().find((event) => event.kind === 'scale-in');
    expect(scaleIn?.transitions.map(({ from, to, elapsedMs }) => [from, to, elapsedMs])).toEqual([
      [null, 'draining', 0],
      ['draining', 'deleting', 120],
      ['deleting', 'removed', 30],
    ]);
  });

  it(`keeps the newest ${OPERATOR_EVENTS_KEPT} activities, newest first`, async () => {
    for (let n = 1; n <= OPERATOR_EVENTS_KEPT + 5; n++) {
      const event: LaunchEvent = {
        sequence: n,
        kind: 'adoption',
        trigger: 't',
        startedAt: clock.now().toISOString(),
        state: 'booting',
        instanceName: `i${n}`,
        phaseDurationsMs: {},
      };
      log.started(event);
      event.state = 'failed';
      log.finished(event);
    }
    await clock.runDeferred();
    const kept = feed.list();
    expect(kept).toHaveLength(OPERATOR_EVENTS_KEPT);
    expect([kept[0].sequence, kept[kept.length - 1].sequence]).toEqual([
      OPERATOR_EVENTS_KEPT + 5,
      6,
    ]);
  });

  it('does its work on a later tick: a broken or slow listener of the feed never runs inside the pool or the event log', async () => {
    let insideEmitter = false;
    const calledInside: boolean[] = [];
    feed.events.on('changed', () => {
      calledInside.push(insideEmitter);
      throw new Error('a broken stream consumer');
    });
    const event = startedScaleOut(7, 'c7');
    insideEmitter = true;
    expect(() => log.started(event)).not.toThrow();
    // As a launch does: its record moves on in the same turn, before the feed's later tick.
    event.state = 'booting';
    expect(() =>
      pool.register({ id: 'c7', name: 'service-auto-7', role: 'clone', phase: 'booting' }),
    ).not.toThrow();
    insideEmitter = false;
    expect(calledInside).toEqual([]);
    await clock.advance(10);
    // Both changes arrived, each outside the emitter, and the throwing listener did not stop the feed.
    expect(calledInside).toEqual([false, false]);
    expect(feed.list()[0].transitions.map(({ from, to }) => [from, to])).toEqual([
      [null, 'creating'],
      ['creating', 'booting'],
    ]);
  });
});
