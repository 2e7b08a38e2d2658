import { Injectable } from '@nestjs/common';
import { ClientEvent } from '@osa/openstack-client';
import { Counter, Histogram } from 'prom-client';
import { OpenStackCallFeed } from '../providers/openstack-call-feed';
import { OpenStackCallObserver } from '../seams/openstack-call-observer';
import { MetricsRegistry } from './metrics-registry';

/**
 * Every OpenStack API call the client makes, as its `logger` hook reports it: a call that got an
 * answer counts under its HTTP status, one that got none (refused, reset, timed out) under
 * `status="error"`. Retries are separate calls. Subscribed to the providers' OpenStackCallFeed.
 */
@Injectable()
export class OpenStackApiCallMetrics implements OpenStackCallObserver {
  private readonly calls: Counter<'service' | 'method' | 'status'>;
  private readonly durations: Histogram<'service'>;

  constructor(metrics: MetricsRegistry, feed: OpenStackCallFeed) {
    this.calls = new Counter({
      name: 'osa_openstack_api_calls_total',
      help: 'OpenStack API calls by service, HTTP method and response status ("error": no response: refused, reset or timed out)',
      labelNames: ['service', 'method', 'status'],
      registers: [metrics.registry],
    });
    this.durations = new Histogram({
      name: 'osa_openstack_api_call_duration_seconds',
      help: 'Duration of OpenStack API calls (each attempt), by service',
      labelNames: ['service'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [metrics.registry],
    });
    // At construction: before any bootstrap hook can make a call.
    feed.subscribe(this);
  }

  /** The OpenStack client's `logger` option calls this for every event it reports. */
  record(event: ClientEvent): void {
    if (event.type === 'request') {
      this.calls.inc({
        service: event.service,
        method: event.method,
        status: String(event.status),
      });
      this.durations.observe({ service: event.service }, event.durationMs / 1000);
    } else if (event.type === 'request-failed') {
      this.calls.inc({ service: event.service, method: event.method, status: 'error' });
      this.durations.observe({ service: event.service }, event.durationMs / 1000);
    }
  }
}
