import { Metric, Registry } from 'prom-client';
import { LatencyHistogram } from './latency-histogram';

interface HistogramSample {
  readonly labels: Record<string, string | number>;
  readonly value: number;
  readonly metricName: string;
}

/**
 * Shows a LatencyHistogram (filled on the data path without prom-client's per-call label work)
 * as a Prometheus histogram: at scrape time the buckets are read from the source, so nothing is
 * recorded twice. It has the shape prom-client's registry renders (`name`, `help`, `type`,
 * `aggregator`, `get()`); prom-client has no public "histogram from external buckets" class.
 */
export class LatencyHistogramMetric {
  readonly type = 'histogram';
  readonly aggregator = 'sum';

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly source: LatencyHistogram,
    registry: Registry,
  ) {
    registry.registerMetric(this as unknown as Metric);
  }

  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: HistogramSample[] }> {
    const cumulative = this.source.cumulative();
    const bucket = `${this.name}_bucket`;
    const values: HistogramSample[] = this.source.boundsSeconds.map((le, index) => ({ labels: { le }, value: cumulative[index], metricName: bucket }));
    values.push(
      { labels: { le: '+Inf' }, value: this.source.count, metricName: bucket },
      { labels: {}, value: this.source.sum, metricName: `${this.name}_sum` },
      { labels: {}, value: this.source.count, metricName: `${this.name}_count` },
    );
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}
