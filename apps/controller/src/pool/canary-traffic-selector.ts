import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InstancePool } from './instance-pool';
import { PoolInstance } from './pool-instance';
import { TrafficSelector } from './traffic-selector';

/**
 * The canary of an instance refresh (refresh/) and the share of requests it may take. Set while
 * the canary is judged (a weight of 0 holds it out of traffic: a paused refresh); cleared when it
 * passed (it then serves like any other instance) or was rejected.
 */
@Injectable()
export class CanaryRouting {
  private canaryId: string | undefined;
  private share = 0;

  constructor(private readonly pool: InstancePool) {}

  set(instanceId: string, share: number): void {
    this.canaryId = instanceId;
    this.share = share;
  }

  clear(): void {
    this.canaryId = undefined;
    this.share = 0;
  }

  get weight(): number {
    return this.share;
  }

  get instanceId(): string | undefined {
    return this.canaryId;
  }

  /** The canary if it may take traffic now (admitted and healthy). */
  servingCanary(): PoolInstance | undefined {
    if (this.canaryId === undefined) return undefined;
    const instance = this.pool.get(this.canaryId);
    return instance && instance.phase === 'admitted' && instance.health === 'healthy'
      ? instance
      : undefined;
  }
}

/**
 * Wraps the configured selector (switch, least-outstanding, round-robin) so that while a canary
 * is judged it gets exactly `weight` of the requests, spread evenly (a credit that grows by the
 * weight per request: every 10th request at 0.1, no randomness), and the other requests never
 * reach it. In pool mode the rest is balanced over the old instances as before; in switch mode
 * the rest goes where switch mode would send it without the canary (the newest other admitted
 * instance), and once the canary passes it is the newest admitted one and takes everything, as
 * any new instance does in switch mode.
 */
export class CanaryTrafficSelector implements TrafficSelector, OnModuleInit, OnModuleDestroy {
  private credit = 0;

  constructor(
    private readonly inner: TrafficSelector,
    private readonly routing: CanaryRouting,
  ) {}

  onModuleInit(): void {
    (this.inner as Partial<OnModuleInit>).onModuleInit?.();
  }

  onModuleDestroy(): void {
    (this.inner as Partial<OnModuleDestroy>).onModuleDestroy?.();
  }

  pick(): PoolInstance | undefined {
    const canary = this.routing.servingCanary();
    if (!canary) return this.inner.pick();
    this.credit += this.routing.weight;
    // The epsilon: ten additions of 0.1 make 0.9999999999999999, not 1.
    if (this.credit >= 1 - 1e-9) {
      this.credit -= 1;
      return canary;
    }
    const picked = this.inner.pick();
    if (picked?.id !== canary.id) return picked;
    // Nothing but the canary can serve: it does, rather than a 503.
    return this.inner.alternative(canary.id) ?? canary;
  }

  alternative(failedId: string): PoolInstance | undefined {
    return this.inner.alternative(failedId);
  }

  serving(): PoolInstance[] {
    const canary = this.routing.servingCanary();
    const serving = this.inner.serving();
    if (!canary) return serving;
    const others = serving.filter((instance) => instance.id !== canary.id);
    // Switch mode serves one instance: with a canary judged, that is the one the rest goes to.
    if (others.length === 0) {
      const fallback = this.inner.alternative(canary.id);
      if (fallback) others.push(fallback);
    }
    return [...others, canary];
  }
}
