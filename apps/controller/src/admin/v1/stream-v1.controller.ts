import { Controller, MessageEvent, OnModuleDestroy, Sse } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Observable, Subject, takeUntil } from 'rxjs';
import { InstancePool } from '../../pool/instance-pool';
import { LoadSample, LoadSampler } from './load-sampler';
import { OperatorEvent, OperatorEventFeed, PhaseTransition } from './operator-event-feed';
import { eventOf, OperatorView } from './operator-view';

/** Pool changes closer together than this go out as one `instances` message. */
const INSTANCES_COALESCE_MS = 200;

/**
 * `GET /v1/stream`, Server-Sent Events:
 * - `hello` once: status, instances and the chart's last 15 minutes (totals only);
 * - `event`: an activity started, changed phase or finished (`transition` is the change, with elapsed ms),
 *   followed by a fresh `status` (the gate moves with scale-outs);
 * - `instances`: the instance list, whenever the pool changes and once a second;
 * - `sample` and `status`: once a second (requests/s, in-flight, p50/p99, non-2xx/s, per instance).
 * Every stream ends when the controller shuts down, so open dashboards never hold up the exit.
 */
@ApiTags('stream')
@Controller('v1')
export class StreamV1Controller implements OnModuleDestroy {
  private readonly shuttingDown = new Subject<void>();

  constructor(
    private readonly view: OperatorView,
    private readonly feed: OperatorEventFeed,
    private readonly sampler: LoadSampler,
    private readonly pool: InstancePool,
  ) {}

  onModuleDestroy(): void {
    this.shuttingDown.next();
    this.shuttingDown.complete();
  }

  @Sse('stream')
  @ApiOperation({
    summary: 'Live stream (text/event-stream): hello, event, instances, sample, status messages',
  })
  @ApiProduces('text/event-stream')
  @ApiResponse({ status: 200, description: 'Server-Sent Events; each message data is JSON' })
  stream(): Observable<MessageEvent> {
    return new Observable<MessageEvent>((subscriber) => {
      let pending: NodeJS.Timeout | undefined;
      const sendInstances = (): void =>
        subscriber.next({ type: 'instances', data: { instances: this.view.instances() } });
      const onPoolChange = (): void => {
        pending ??= setTimeout(() => {
          pending = undefined;
          sendInstances();
        }, INSTANCES_COALESCE_MS);
      };
      // The gate opens and closes with scale-outs: the summary goes out with every change, not only each second.
      const onEvent = (event: OperatorEvent, transition: PhaseTransition): void => {
        subscriber.next({ type: 'event', data: { event: eventOf(event), transition } });
        subscriber.next({ type: 'status', data: this.view.summary() });
      };
      const onSample = (sample: LoadSample): void => {
        subscriber.next({ type: 'sample', data: sample });
        subscriber.next({ type: 'status', data: this.view.summary() });
        sendInstances();
      };
      const poolChanges = [
        'registered',
        'phase',
        'admitted',
        'ejected',
        'restored',
        'removed',
      ] as const;
      subscriber.next({
        type: 'hello',
        data: {
          status: this.view.summary(),
          instances: this.view.instances(),
          samples: this.sampler.recent().map(({ instances: _perInstance, ...totals }) => totals),
        },
      });
      for (const name of poolChanges) this.pool.events.on(name, onPoolChange);
      this.feed.events.on('changed', onEvent);
      this.sampler.samples.on('sample', onSample);
      return () => {
        if (pending) clearTimeout(pending);
        for (const name of poolChanges) this.pool.events.off(name, onPoolChange);
        this.feed.events.off('changed', onEvent);
        this.sampler.samples.off('sample', onSample);
      };
    }).pipe(takeUntil(this.shuttingDown));
  }
}
