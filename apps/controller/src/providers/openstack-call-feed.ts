import { Injectable } from '@nestjs/common';
import { ClientEvent } from '@osa/openstack-client';
import { OpenStackCallObserver } from '../seams/openstack-call-observer';

/**
 * Every event the OpenStack client reports (calls, retries, auth), handed to whoever subscribed:
 * /metrics does (MetricsModule imports ProvidersModule), so the providers never reach up to the
 * metrics and neither module has to be global.
 */
@Injectable()
export class OpenStackCallFeed {
  private readonly observers = new Set<OpenStackCallObserver>();

  subscribe(observer: OpenStackCallObserver): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  publish(event: ClientEvent): void {
    for (const observer of this.observers) observer.record(event);
  }
}
