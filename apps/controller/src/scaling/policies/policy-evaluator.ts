import { Inject, Injectable } from '@nestjs/common';
import { ScalingConfig } from '../../config/scaling.config';
import { InstancePool } from '../../pool/instance-pool';
import { Clock, CLOCK } from '../../clock/clock';
import { RequestCountPolicy } from '../request-count-policy';
import { RequestRateMeter, SampledGauge } from './load-metrics';
import { TargetTrackingPolicy, TargetTrackingVerdict } from './target-tracking-policy';

const RATE_BUCKET_MS = 100;
/** How often in-flight requests are sampled for the in-flight policy's average. */
export const IN_FLIGHT_SAMPLE_INTERVAL_MS = 100;

/** What the target-tracking policies want, together. */
export interface PolicyRecommendation {
  /** The most instances any policy needs now (undefined without target-tracking policies). */
  readonly scaleOutTo: number | undefined;
  /** The fewest instances every policy agrees on for the whole sustained window (undefined: no scale-in). */
  readonly scaleInTo: number | undefined;
  readonly verdicts: readonly TargetTrackingVerdict[];
}

export interface PolicyView {
  readonly name: string;
  readonly target?: number;
  readonly unit?: string;
  readonly current?: number;
  readonly total?: number;
  readonly recommendedInstances?: number;
  readonly sustainedRecommendedInstances?: number | null;
  readonly countedSinceLastScaleEvent?: number;
  readonly thresholdRequests?: number;
}

/**
 * The configured policies over one set of load measurements: the request rate (every request the
 * director forwards) and the in-flight requests of the serving instances (sampled every 100 ms).
 * Several policies combine the AWS way: scale out when any wants more, scale in only when all agree.
 */
@Injectable()
export class PolicyEvaluator {
  private readonly requestRate: RequestRateMeter;
  private readonly inFlight: SampledGauge;
  private readonly targetPolicies: TargetTrackingPolicy[] = [];

  constructor(
    private readonly config: ScalingConfig,
    private readonly pool: InstancePool,
    private readonly requestCount: RequestCountPolicy,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    const windowMs = config.metricWindowMs;
    this.requestRate = new RequestRateMeter(RATE_BUCKET_MS, windowMs, clock.nowMs());
    this.inFlight = new SampledGauge(windowMs);
    const sustainedMs = config.scaleIn.sustainedBelowTargetMs;
    if (config.policies.includes('requests-per-second')) {
      this.targetPolicies.push(
        new TargetTrackingPolicy(
          'requests-per-second',
          config.targetRequestsPerSecond,
          sustainedMs,
          (nowMs) => this.requestRate.perSecond(nowMs, windowMs),
        ),
      );
    }
    if (config.policies.includes('in-flight')) {
      this.targetPolicies.push(
        new TargetTrackingPolicy('in-flight', config.targetInFlight, sustainedMs, (nowMs) =>
          this.inFlight.average(nowMs, windowMs),
        ),
      );
    }
  }

  get requestCountActive(): boolean {
    return this.config.policies.includes('request-count');
  }

  get inFlightActive(): boolean {
    return this.config.policies.includes('in-flight');
  }

  get targetTrackingActive(): boolean {
    return this.targetPolicies.length > 0;
  }

  /** Hot path: one forwarded request. */
  recordRequest(): void {
    this.requestRate.record(this.clock.nowMs());
  }

  sampleInFlight(): void {
    let total = 0;
    for (const instance of this.pool.list()) total += instance.inFlight;
    this.inFlight.sample(this.clock.nowMs(), total);
  }

  evaluate(servingInstances: number): PolicyRecommendation {
    const nowMs = this.clock.nowMs();
    const verdicts = this.targetPolicies.map((policy) => policy.evaluate(nowMs, servingInstances));
    if (verdicts.length === 0) return { scaleOutTo: undefined, scaleInTo: undefined, verdicts };
    const scaleOutTo = Math.max(...verdicts.map((verdict) => verdict.recommended));
    const sustained = verdicts.map((verdict) => verdict.sustainedRecommended);
    const scaleInTo = sustained.every((value) => value !== undefined)
      ? Math.max(...(sustained as number[]))
      : undefined;
    return { scaleOutTo, scaleInTo, verdicts };
  }

  /** After a manual scale the sustained windows start again, so a policy does not undo it at once. */
  restartWindows(): void {
    for (const policy of this.targetPolicies) policy.restartWindow(this.clock.nowMs());
  }

  views(): PolicyView[] {
    const views: PolicyView[] = [];
    if (this.requestCountActive) {
      views.push({
        name: 'request-count',
        countedSinceLastScaleEvent: this.requestCount.counted,
        thresholdRequests: this.requestCount.threshold,
      });
    }
    for (const policy of this.targetPolicies) {
      const last = policy.lastVerdict();
      views.push({
        name: policy.name,
        target: policy.target,
        unit:
          policy.name === 'requests-per-second'
            ? 'requests per second per instance'
            : 'requests in flight per instance',
        current: last ? round(last.perInstance) : undefined,
        total: last ? round(last.total) : undefined,
        recommendedInstances: last?.recommended,
        sustainedRecommendedInstances: last ? (last.sustainedRecommended ?? null) : undefined,
      });
    }
    return views;
  }
}

export function describeVerdict(
  verdict: TargetTrackingVerdict,
  target: number,
  windowMs: number,
): string {
  const unit = verdict.policy === 'requests-per-second' ? 'requests/s' : 'in flight';
  return `${verdict.policy}: ${round(verdict.total)} ${unit} over ${(windowMs / 1000).toFixed(0)}s = ${round(verdict.perInstance)} per instance (target ${target}) -> ${verdict.recommended} instance(s)`;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
