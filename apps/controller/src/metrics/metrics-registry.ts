import { Injectable } from '@nestjs/common';
import { Registry } from 'prom-client';

/**
 * The controller's own Prometheus registry (never prom-client's global one: two controllers in
 * one process, as in tests, must not share counters). Everything on /metrics is registered here.
 */
@Injectable()
export class MetricsRegistry {
  readonly registry = new Registry();

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
