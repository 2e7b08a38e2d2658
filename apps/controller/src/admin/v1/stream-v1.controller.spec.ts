import { MessageEvent } from '@nestjs/common';
import { Subscription } from 'rxjs';
import { FakeCloudController } from '../../../test-support/fake-cloud-controller';
import { InstancePool } from '../../pool/instance-pool';
import { SAMPLE_INTERVAL_MS } from './load-sampler';
import { OperatorEventFeed } from './operator-event-feed';
import { StreamV1Controller } from './stream-v1.controller';

/** /v1/stream on the whole controller (fake cloud, manual clock): many dashboards, one listener each. */
describe('GET /v1/stream with many streams open', () => {
  let running: FakeCloudController;
  const subscriptions: Subscription[] = [];
  const warnings: Error[] = [];
  const onWarning = (warning: Error): void => {
    warnings.push(warning);
  };

  beforeAll(async () => {
    running = await FakeCloudController.start();
    process.on('warning', onWarning);
  }, 120_000);
  afterAll(async () => {
    process.off('warning', onWarning);
    for (const subscription of subscriptions) subscription.unsubscribe();
    await running?.close();
  }, 60_000);

  it('keeps one listener on the pool and the feed for 25 streams, and each gets the clock-driven samples', async () => {
    const pool = running.app.get(InstancePool);
    const feed = running.app.get(OperatorEventFeed);
    const before = {
      phase: pool.events.listenerCount('phase'),
      changed: feed.events.listenerCount('changed'),
    };
    const received: string[][] = [];
    for (let stream = 0; stream < 25; stream++) {
      const messages: string[] = [];
      received.push(messages);
      subscriptions.push(
        running.app
          .get(StreamV1Controller)
          .stream()
          .subscribe((message: MessageEvent) => messages.push(String(message.type))),
      );
    }
    expect({
      phase: pool.events.listenerCount('phase'),
      changed: feed.events.listenerCount('changed'),
    }).toEqual(before);
    // The load sampler runs on the injected clock: one clock second, one sample to every stream.
    await running.clock.advance(SAMPLE_INTERVAL_MS);
    await new Promise((resolve) => setImmediate(resolve));
    for (const messages of received) {
      expect(messages[0]).toBe('hello');
      expect(messages.filter((type) => type === 'sample')).toHaveLength(1);
    }
    expect(warnings.filter((warning) => warning.name === 'MaxListenersExceededWarning')).toEqual(
      [],
    );
    // Closing the streams takes nothing off the emitters either.
    for (const subscription of subscriptions.splice(0)) subscription.unsubscribe();
    expect(pool.events.listenerCount('phase')).toBe(before.phase);
  });
});
