import { EventEmitter } from 'node:events';
import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InstancePool } from '../../pool/instance-pool';
import { CancelTimer, Clock, CLOCK, setRepeatingTimer } from '../../clock/clock';
import { ProxyExchangeEvent, ProxyServer } from '../../proxy';

/** One second of traffic (whole proxy, or one instance). */
export interface LoadFigures {
  readonly requestsPerSecond: number;
  readonly inFlight: number;
  /** Latency percentiles of the requests answered in that second; null when none were. */
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  /** Answers that were not 2xx (including 503 from the gate and cut connections). */
  readonly non2xxPerSecond: number;
}

export interface InstanceLoad extends LoadFigures {
  readonly id: string;
  readonly name: string;
}

export interface LoadSample extends LoadFigures {
  readonly at: string;
  readonly instances: InstanceLoad[];
}

/** 15 minutes of one-second samples: what the dashboard's chart shows. */
export const LOAD_SAMPLES_KEPT = 900;
/** One sample a second: the chart's resolution. */
export const SAMPLE_INTERVAL_MS = 1000;
/** Latencies kept per second and bucket; beyond it a reservoir keeps a fair sample (bounded memory at any rate). */
const LATENCIES_PER_SECOND = 4096;

class SecondBucket {
  requests = 0;
  non2xx = 0;
  private readonly latencies: number[] = [];

  add(event: ProxyExchangeEvent): void {
    this.requests++;
    if (event.status < 200 || event.status > 299) this.non2xx++;
    if (this.latencies.length < LATENCIES_PER_SECOND) this.latencies.push(event.durationMs);
    else {
      const slot = Math.floor(Math.random() * this.requests);
      if (slot < LATENCIES_PER_SECOND) this.latencies[slot] = event.durationMs;
    }
  }

  figures(inFlight: number, seconds: number): LoadFigures {
    const sorted = this.latencies.sort((a, b) => a - b);
    return {
      requestsPerSecond: round(this.requests / seconds),
      inFlight,
      p50Ms: percentile(sorted, 0.5),
      p99Ms: percentile(sorted, 0.99),
      non2xxPerSecond: round(this.non2xx / seconds),
    };
  }
}

/**
 * One load sample per second for the stream and the dashboard, hung on the proxy's `exchange`
 * event (the data path pays one event listener call and a few additions per request; sorting
 * happens once a second, off the request path).
 */
@Injectable()
export class LoadSampler implements OnApplicationBootstrap, OnModuleDestroy {
  readonly samples = new EventEmitter<{ sample: [sample: LoadSample] }>();
  private readonly kept: LoadSample[] = [];
  private total = new SecondBucket();
  private perInstance = new Map<string, SecondBucket>();
  private stopTimer: CancelTimer | undefined;
  private lastSampleMs = 0;
  private readonly onExchange = (event: ProxyExchangeEvent): void => {
    this.total.add(event);
    if (event.backendId === undefined) return;
    let bucket = this.perInstance.get(event.backendId);
    if (!bucket) this.perInstance.set(event.backendId, (bucket = new SecondBucket()));
    bucket.add(event);
  };

  constructor(
    private readonly pool: InstancePool,
    private readonly proxy: ProxyServer,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    this.proxy.on('exchange', this.onExchange);
    this.lastSampleMs = this.clock.nowMs();
    this.stopTimer = setRepeatingTimer(this.clock, SAMPLE_INTERVAL_MS, () => this.sample());
  }

  onModuleDestroy(): void {
    this.stopTimer?.();
    this.proxy.off('exchange', this.onExchange);
  }

  /** Oldest first, at most 15 minutes. */
  recent(): readonly LoadSample[] {
    return this.kept;
  }

  /** Closes the current second (also called by the timer). */
  sample(): LoadSample {
    const nowMs = this.clock.nowMs();
    const seconds = Math.max((nowMs - this.lastSampleMs) / 1000, 0.001);
    this.lastSampleMs = nowMs;
    const total = this.total;
    const perInstance = this.perInstance;
    this.total = new SecondBucket();
    this.perInstance = new Map();
    const instances = this.pool.list().map((instance) => ({
      id: instance.id,
      name: instance.name,
      ...(perInstance.get(instance.id) ?? new SecondBucket()).figures(instance.inFlight, seconds),
    }));
    const sample: LoadSample = {
      at: this.clock.now().toISOString(),
      ...total.figures(this.proxy.inFlight, seconds),
      instances,
    };
    this.kept.push(sample);
    if (this.kept.length > LOAD_SAMPLES_KEPT) this.kept.shift();
    this.samples.emit('sample', sample);
    return sample;
  }
}

function percentile(sorted: readonly number[], fraction: number): number | null {
  if (sorted.length === 0) return null;
  return round(sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)]);
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
