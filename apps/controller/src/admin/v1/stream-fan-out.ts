import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { CancelTimer, Clock, CLOCK } from '../../clock/clock';
import { InstancePool, PoolEvents } from '../../pool/instance-pool';
import { LoadSample, LoadSampler } from './load-sampler';
import { OperatorEvent, OperatorEventFeed, PhaseTransition } from './operator-event-feed';
import { eventOf, OperatorView } from './operator-view';

/** Pool changes closer together than this go out as one `instances` message. */
export const INSTANCES_COALESCE_MS = 200;

/** One Server-Sent Events message as /v1/stream sends it (`type` is the SSE event name). */
export interface StreamMessage {
  readonly type: 'hello' | 'event' | 'instances' | 'sample' | 'status';
  readonly data: object;
}

/** What a stream hands over to receive messages; a sink that throws is dropped, the others go on. */
export type StreamSink = (message: StreamMessage) => void;

const POOL_CHANGES = [
  'registered',
  'phase',
  'admitted',
  'ejected',
  'restored',
  'removed',
] as const satisfies ReadonlyArray<keyof PoolEvents>;

/**
 * The one listener of /v1/stream on the pool, the event feed and the load sampler, however many
 * streams are open: each message is built once and handed to every open stream. So the emitters
 * keep one listener each (no MaxListeners warning at the 11th dashboard), and the pool's own
 * event never runs stream code: pool changes are coalesced on a Clock timer, feed changes arrive
 * already deferred (OperatorEventFeed), and a sink that throws is dropped without touching the
 * others.
 */
@Injectable()
export class StreamFanOut implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Stream');
  private readonly sinks = new Set<StreamSink>();
  private cancelCoalesce: CancelTimer | undefined;
  private readonly unsubscribe: Array<() => void> = [];

  constructor(
    private readonly view: OperatorView,
    private readonly feed: OperatorEventFeed,
    private readonly sampler: LoadSampler,
    private readonly pool: InstancePool,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    const onPoolChange = (): void => this.schedulePoolChange();
    for (const name of POOL_CHANGES) {
      this.pool.events.on(name, onPoolChange);
      this.unsubscribe.push(() => this.pool.events.off(name, onPoolChange));
    }
    const onEvent = (event: OperatorEvent, transition: PhaseTransition): void =>
      this.onEvent(event, transition);
    this.feed.events.on('changed', onEvent);
    this.unsubscribe.push(() => this.feed.events.off('changed', onEvent));
    const onSample = (sample: LoadSample): void => this.onSample(sample);
    this.sampler.samples.on('sample', onSample);
    this.unsubscribe.push(() => this.sampler.samples.off('sample', onSample));
  }

  onModuleDestroy(): void {
    this.cancelCoalesce?.();
    for (const off of this.unsubscribe.splice(0)) off();
    this.sinks.clear();
  }

  /** Open streams right now. */
  get streams(): number {
    return this.sinks.size;
  }

  /** Sends `hello` to the new sink at once, then everything that happens; returns the unsubscribe. */
  subscribe(sink: StreamSink): () => void {
    sink({
      type: 'hello',
      data: {
        status: this.view.summary(),
        instances: this.view.instances(),
        samples: this.sampler.recent().map(({ instances: _perInstance, ...totals }) => totals),
      },
    });
    this.sinks.add(sink);
    return () => this.sinks.delete(sink);
  }

  private schedulePoolChange(): void {
    if (this.cancelCoalesce || this.sinks.size === 0) return;
    this.cancelCoalesce = this.clock.setTimer(INSTANCES_COALESCE_MS, () => {
      this.cancelCoalesce = undefined;
      this.broadcast([this.instancesMessage()]);
    });
  }

  // The gate opens and closes with scale-outs: the summary goes out with every change, not only each second.
  private onEvent(event: OperatorEvent, transition: PhaseTransition): void {
    if (this.sinks.size === 0) return;
    this.broadcast([
      { type: 'event', data: { event: eventOf(event), transition } },
      this.statusMessage(),
    ]);
  }

  private onSample(sample: LoadSample): void {
    if (this.sinks.size === 0) return;
    this.broadcast([
      { type: 'sample', data: sample },
      this.statusMessage(),
      this.instancesMessage(),
    ]);
  }

  private statusMessage(): StreamMessage {
    return { type: 'status', data: this.view.summary() };
  }

  private instancesMessage(): StreamMessage {
    return { type: 'instances', data: { instances: this.view.instances() } };
  }

  private broadcast(messages: readonly StreamMessage[]): void {
    for (const sink of [...this.sinks]) {
      try {
        for (const message of messages) sink(message);
      } catch (error) {
        this.sinks.delete(sink);
        this.logger.warn({ msg: 'stream consumer failed: stream dropped', err: error as Error });
      }
    }
  }
}
