import { EventEmitter } from 'node:events';
import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { InstancePool } from '../../pool/instance-pool';
import { InstancePhase, PoolInstance } from '../../pool/pool-instance';
import { TRAFFIC_SELECTOR, TrafficSelector } from '../../pool/traffic-selector';
import { TrafficConfig } from '../../config/traffic.config';
import { CancelTimer, Clock, CLOCK, setRepeatingTimer } from '../../clock/clock';
import { LAUNCH_STATES } from '../../pool/instance-lifecycle';
import { REMOVAL_KINDS, ScalingEvent } from '../../scaling/scaling-event';
import { ScalingEventLog } from '../../scaling/scaling-event-log';

/** How many activity records the feed keeps (the dashboard must stay usable at 1,000). */
export const OPERATOR_EVENTS_KEPT = 1000;
/** How often running scaling events are looked at for state changes the pool does not announce (a removal's draining -> deleting). */
const STATE_WATCH_INTERVAL_MS = 200;
const REMOVAL_PHASES = ['draining', 'deleting'];
const FINAL_STATES = new Set(['admitted', 'failed', 'removed']);

export type OperatorEventKind = ScalingEvent['kind'] | 'traffic-switch';

/** One state change inside an activity: `from -> to` after `elapsedMs` in `from`. */
export interface PhaseTransition {
  readonly from: string | null;
  readonly to: string;
  readonly at: string;
  /** Time spent in `from` (0 for the first state). */
  readonly elapsedMs: number;
  /** Time since the activity started. */
  readonly totalMs: number;
}

/**
 * One thing the controller did to the group, as v1 shows it: a scaling event of the event log
 * (scale-out, replacement, adoption, scale-in, heal) with each phase transition timed, or a
 * traffic switch (the instance that receives new requests changed).
 */
export interface OperatorEvent {
  readonly id: number;
  readonly kind: OperatorEventKind;
  /** The event log's sequence number (scaling events only). */
  readonly sequence: number | null;
  readonly trigger: string;
  readonly startedAt: string;
  readonly startedAtMs: number;
  finishedAt: string | null;
  state: string;
  readonly instanceName: string;
  instanceId: string | null;
  readonly transitions: PhaseTransition[];
  /** The scaling event as the event log holds it (phase durations, failure, outcome); null for traffic switches. */
  detail: ScalingEvent | null;
}

export interface OperatorEventFeedEvents {
  /** An activity started, changed state or finished (`transition` is the change just made). */
  changed: [event: OperatorEvent, transition: PhaseTransition];
}

/**
 * Listens to what already exists (the scaling event log's started/finished, the pool's phase
 * changes, the traffic selector's choice) and keeps the last 1,000 activities with every phase
 * transition timed by the injected clock. Costs nothing on the data path: it never listens to requests.
 * Its work runs on a later tick (Clock.defer), never inside the pool's or the event log's emit:
 * what a listener of `changed` (a stream, a slow or broken consumer) does cannot reach the pool.
 */
@Injectable()
export class OperatorEventFeed implements OnApplicationBootstrap, OnModuleDestroy {
  readonly events = new EventEmitter<OperatorEventFeedEvents>();
  private nextId = 0;
  private readonly kept: OperatorEvent[] = [];
  private readonly byScalingEvent = new Map<ScalingEvent, OperatorEvent>();
  private readonly lastChangeMs = new Map<OperatorEvent, number>();
  private servingId: string | undefined;
  private stopWatch: CancelTimer | undefined;
  private readonly logger = new Logger('Events');
  private readonly unsubscribe: Array<() => void> = [];

  constructor(
    private readonly log: ScalingEventLog,
    private readonly pool: InstancePool,
    @Inject(TRAFFIC_SELECTOR) private readonly selector: TrafficSelector,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly trafficConfig: TrafficConfig,
  ) {}

  onApplicationBootstrap(): void {
    for (const running of this.log.inProgress()) this.onStarted(running);
    this.servingId = this.servingNow()?.id;
    // The state too is read now: the launch moves its record on before the later tick.
    this.listen(this.log.events, 'started', (event: ScalingEvent) => {
      const state = event.state;
      this.later(() => this.onStarted(event, state));
    });
    this.listen(this.log.events, 'finished', (event: ScalingEvent) =>
      this.later(() => this.onFinished(event)),
    );
    // The phase is read now: by the later tick the instance may have moved on.
    this.listen(this.pool.events, 'registered', (instance: PoolInstance) => {
      const phase = instance.phase;
      this.later(() => this.onPhase(instance, phase));
    });
    this.listen(this.pool.events, 'phase', (instance: PoolInstance, _previous: InstancePhase) => {
      const phase = instance.phase;
      this.later(() => this.onPhase(instance, phase));
    });
    // What the records say now, applied in turn after the changes already queued: a look that
    // overtook queued pool changes would record a later state first, then the older ones again.
    this.stopWatch = setRepeatingTimer(this.clock, STATE_WATCH_INTERVAL_MS, () => {
      const seen = [...this.byScalingEvent.keys()].map(
        (scalingEvent) => [scalingEvent, scalingEvent.state] as const,
      );
      this.later(() => this.watchStates(seen));
    });
    // Only `traffic.mode: switch` has one instance taking every new request; in pool mode all serve.
    if (this.trafficConfig.mode === 'switch') {
      for (const change of ['admitted', 'removed', 'ejected', 'restored', 'phase'] as const) {
        this.listen(this.pool.events, change, () => this.later(() => this.checkTrafficSwitch()));
      }
    }
  }

  onModuleDestroy(): void {
    this.stopWatch?.();
    for (const off of this.unsubscribe.splice(0)) off();
  }

  /** Newest first. */
  list(): OperatorEvent[] {
    return [...this.kept].reverse();
  }

  private listen<T extends unknown[]>(
    emitter: EventEmitter,
    name: string,
    handler: (...args: T) => void,
  ): void {
    const listener = handler as (...args: unknown[]) => void;
    emitter.on(name, listener);
    this.unsubscribe.push(() => emitter.off(name, listener));
  }

  private onStarted(scalingEvent: ScalingEvent, state: string = scalingEvent.state): void {
    if (this.byScalingEvent.has(scalingEvent)) return;
    const event = this.record({
      kind: scalingEvent.kind,
      sequence: scalingEvent.sequence,
      trigger: scalingEvent.trigger,
      instanceName: scalingEvent.instanceName,
      instanceId: scalingEvent.instanceId ?? null,
      state,
      detail: scalingEvent,
    });
    this.byScalingEvent.set(scalingEvent, event);
  }

  /** Runs `work` on a later tick; a failure there is logged, never thrown into the emitter. */
  private later(work: () => void): void {
    this.clock.defer(() => {
      try {
        work();
      } catch (error) {
        this.logger.error({ msg: 'event feed update failed', err: error as Error });
      }
    });
  }

  private onPhase(instance: PoolInstance, phase: InstancePhase): void {
    for (const [scalingEvent, event] of this.byScalingEvent) {
      if (scalingEvent.instanceId !== instance.id) continue;
      event.instanceId = instance.id;
      // `admitted` is the scaling event's own final state (reported on `finished`, with its outcome).
      if (phase !== event.state && phase !== 'admitted') this.transition(event, phase);
    }
  }

  /** States the event log's records reached without a pool event (read, never written). */
  private watchStates(seen: ReadonlyArray<readonly [ScalingEvent, string]>): void {
    for (const [scalingEvent, state] of seen) {
      const event = this.byScalingEvent.get(scalingEvent);
      if (event && state !== event.state && !FINAL_STATES.has(state)) this.transition(event, state);
    }
  }

  private onFinished(scalingEvent: ScalingEvent): void {
    const event = this.byScalingEvent.get(scalingEvent);
    if (!event) return;
    this.byScalingEvent.delete(scalingEvent);
    event.instanceId = scalingEvent.instanceId ?? event.instanceId;
    event.finishedAt = scalingEvent.finishedAt ?? this.clock.now().toISOString();
    // Phases passed between two looks (a quick drain): taken from the record's own durations.
    const order: readonly string[] = REMOVAL_KINDS.includes(event.kind)
      ? REMOVAL_PHASES
      : LAUNCH_STATES;
    const durations = scalingEvent.phaseDurationsMs as Record<string, number | undefined>;
    for (const phase of order.slice(order.indexOf(event.state) + 1)) {
      if (durations[phase] !== undefined) this.transition(event, phase);
    }
    this.transition(event, scalingEvent.state);
    this.lastChangeMs.delete(event);
  }

  /** `traffic: switch` sends every new request to one instance: record when that instance changes. */
  private checkTrafficSwitch(): void {
    const now = this.servingNow();
    if (now?.id === this.servingId) return;
    const previous = this.servingId ? this.pool.get(this.servingId) : undefined;
    this.servingId = now?.id;
    const event = this.record({
      kind: 'traffic-switch',
      sequence: null,
      trigger: `new requests go to ${now ? now.name : 'no instance'}`,
      instanceName: now?.name ?? '(none)',
      instanceId: now?.id ?? null,
      state: 'switched',
      detail: null,
      from: previous?.name ?? null,
    });
    event.finishedAt = event.startedAt;
    this.lastChangeMs.delete(event);
  }

  /** `serving()`, not `pick()`: picking may advance a selector's rotation. */
  private servingNow(): PoolInstance | undefined {
    return this.selector.serving()[0];
  }

  private record(init: {
    kind: OperatorEventKind;
    sequence: number | null;
    trigger: string;
    instanceName: string;
    instanceId: string | null;
    state: string;
    detail: ScalingEvent | null;
    from?: string | null;
  }): OperatorEvent {
    const nowMs = this.clock.nowMs();
    const at = this.clock.now().toISOString();
    const first: PhaseTransition = {
      from: init.from ?? null,
      to: init.state,
      at,
      elapsedMs: 0,
      totalMs: 0,
    };
    const event: OperatorEvent = {
      id: ++this.nextId,
      kind: init.kind,
      sequence: init.sequence,
      trigger: init.trigger,
      startedAt: init.detail?.startedAt ?? at,
      startedAtMs: nowMs,
      finishedAt: null,
      state: init.state,
      instanceName: init.instanceName,
      instanceId: init.instanceId,
      transitions: [first],
      detail: init.detail,
    };
    this.kept.push(event);
    if (this.kept.length > OPERATOR_EVENTS_KEPT) this.kept.shift();
    this.lastChangeMs.set(event, nowMs);
    this.announce(event, first);
    return event;
  }

  private transition(event: OperatorEvent, to: string): void {
    const nowMs = this.clock.nowMs();
    // The scaler's own figure for the phase just left when it has one (exact); else our clock's.
    const recorded = (
      event.detail?.phaseDurationsMs as Record<string, number | undefined> | undefined
    )?.[event.state];
    const transition: PhaseTransition = {
      from: event.state,
      to,
      at: this.clock.now().toISOString(),
      elapsedMs:
        recorded ?? Math.round(nowMs - (this.lastChangeMs.get(event) ?? event.startedAtMs)),
      totalMs: Math.round(nowMs - event.startedAtMs),
    };
    event.state = to;
    event.transitions.push(transition);
    this.lastChangeMs.set(event, nowMs);
    this.announce(event, transition);
  }

  /** A listener that throws must not leave the feed's own record half updated. */
  private announce(event: OperatorEvent, transition: PhaseTransition): void {
    try {
      this.events.emit('changed', event, transition);
    } catch (error) {
      this.logger.error({ msg: 'event feed listener failed', err: error as Error });
    }
  }
}
