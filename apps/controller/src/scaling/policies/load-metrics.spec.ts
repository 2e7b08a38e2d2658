import { RequestRateMeter, SampledGauge } from './load-metrics';

describe('RequestRateMeter (requests per second over a sliding window)', () => {
  it('counts the requests inside the window and forgets older ones', () => {
    const meter = new RequestRateMeter(100, 10_000, 0);
    // 5 requests per second for 20 s: one every 200 ms.
    for (let atMs = 0; atMs < 20_000; atMs += 200) meter.record(atMs);
    // Buckets are 100 ms, so a window edge may hold one request more or less: 49 or 50 in 10 s.
    expect(meter.perSecond(20_000, 10_000)).toBeGreaterThanOrEqual(4.9);
    expect(meter.perSecond(20_000, 10_000)).toBeLessThanOrEqual(5);
    expect(meter.perSecond(20_000, 2_000)).toBeGreaterThanOrEqual(4.5);
    // Nothing for 7 s: only the last 3 s of the load are still in the 10 s window (14 requests).
    expect(meter.perSecond(27_000, 10_000)).toBeCloseTo(1.4, 5);
    expect(meter.perSecond(31_000, 10_000)).toBe(0);
  });

  it('does not dilute a young meter with time it did not see', () => {
    const meter = new RequestRateMeter(100, 10_000, 50_000);
    for (let atMs = 50_000; atMs < 51_000; atMs += 50) meter.record(atMs);
    // 20 requests in the first second: 20/s, not 2/s over a 10 s window.
    expect(meter.perSecond(51_000, 10_000)).toBeCloseTo(20, 0);
  });

  it('reuses its ring without mixing a bucket from a previous lap into the window', () => {
    const meter = new RequestRateMeter(100, 1_000, 0);
    for (let n = 0; n < 100; n++) meter.record(500); // bucket 5
    // 1.1 s later the same ring slot serves bucket 16: the old 100 must not count.
    meter.record(1_600);
    expect(meter.perSecond(1_650, 1_000)).toBeCloseTo(1, 5);
  });
});

describe('SampledGauge (average of samples in a window)', () => {
  it('averages only the samples of the window', () => {
    const gauge = new SampledGauge(5_000);
    for (let atMs = 0; atMs <= 10_000; atMs += 100) gauge.sample(atMs, atMs < 8_000 ? 10 : 2);
    expect(gauge.average(10_000, 1_000)).toBe(2);
    // (6.0 s, 10.0 s]: 19 samples of 10 (6.1 .. 7.9 s) and 21 of 2 (8.0 .. 10.0 s).
    expect(gauge.average(10_000, 4_000)).toBeCloseTo((19 * 10 + 21 * 2) / 40, 5);
    expect(new SampledGauge(1_000).average(0, 1_000)).toBe(0);
  });
});
