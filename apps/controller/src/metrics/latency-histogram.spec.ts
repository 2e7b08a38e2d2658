import { Registry } from 'prom-client';
import { LatencyHistogram } from './latency-histogram';
import { LatencyHistogramMetric } from './latency-histogram-metric';

describe('LatencyHistogram and its Prometheus rendering', () => {
  it('puts each observation in the first bucket whose bound is not below it, and keeps sum and count in seconds', () => {
    const histogram = new LatencyHistogram([0.01, 0.1, 1]);
    for (const ms of [0, 10, 10.5, 99, 100, 999, 5000]) histogram.observeMs(ms);
    // <=0.01 s: 0, 10 ms; <=0.1 s: 10.5, 99, 100 ms; <=1 s: 999 ms; above: 5000 ms.
    expect(histogram.cumulative()).toEqual([2, 5, 6, 7]);
    expect(histogram.count).toBe(7);
    expect(histogram.sum).toBeCloseTo((0 + 10 + 10.5 + 99 + 100 + 999 + 5000) / 1000, 9);
  });

  it('renders as a histogram family through a real prom-client registry: cumulative buckets, +Inf, sum, count', async () => {
    const registry = new Registry();
    const histogram = new LatencyHistogram([0.005, 0.05]);
    new LatencyHistogramMetric('osa_test_duration_seconds', 'A test latency', histogram, registry);
    histogram.observeMs(2);
    histogram.observeMs(20);
    histogram.observeMs(200);
    expect(await registry.metrics()).toBe(
      [
        '# HELP osa_test_duration_seconds A test latency',
        '# TYPE osa_test_duration_seconds histogram',
        'osa_test_duration_seconds_bucket{le="0.005"} 1',
        'osa_test_duration_seconds_bucket{le="0.05"} 2',
        'osa_test_duration_seconds_bucket{le="+Inf"} 3',
        'osa_test_duration_seconds_sum 0.222',
        'osa_test_duration_seconds_count 3',
        '',
      ].join('\n'),
    );
  });
});
