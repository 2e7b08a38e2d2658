import { Controller, MessageEvent, OnModuleDestroy, Sse } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Observable, Subject, takeUntil } from 'rxjs';
import { StreamFanOut } from './stream-fan-out';

/**
 * `GET /v1/stream`, Server-Sent Events:
 * - `hello` once: status, instances and the chart's last 15 minutes (totals only);
 * - `event`: an activity started, changed phase or finished (`transition` is the change, with elapsed ms),
 *   followed by a fresh `status` (the gate moves with scale-outs);
 * - `instances`: the instance list, whenever the pool changes and once a second;
 * - `sample` and `status`: once a second (requests/s, in-flight, p50/p99, non-2xx/s, per instance).
 * Every stream ends when the controller shuts down, so open dashboards never hold up the exit.
 * All streams share one StreamFanOut (one listener on the pool, the feed and the sampler).
 */
@ApiTags('stream')
@Controller('v1')
export class StreamV1Controller implements OnModuleDestroy {
  private readonly shuttingDown = new Subject<void>();

  constructor(private readonly fanOut: StreamFanOut) {}

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
    return new Observable<MessageEvent>((subscriber) =>
      this.fanOut.subscribe((message) => subscriber.next(message)),
    ).pipe(takeUntil(this.shuttingDown));
  }
}
