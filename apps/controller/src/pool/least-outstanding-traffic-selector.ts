import { Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InstancePool } from './instance-pool';
import { PoolInstance } from './pool-instance';
import { RotationView } from './rotation-view';
import { TrafficSelector } from './traffic-selector';

/**
 * Pool mode, `traffic.balancing: least-outstanding`: each request goes to the instance in
 * rotation with the fewest requests in flight (the pool's own counts, kept by the traffic
 * director). Ties are broken by a rotating start, so an idle pool still takes turns and a slow
 * instance, whose requests pile up, gets fewer new ones.
 */
export class LeastOutstandingTrafficSelector
  implements TrafficSelector, OnModuleInit, OnModuleDestroy
{
  private readonly rotation: RotationView;
  private nextStart = 0;

  constructor(pool: InstancePool) {
    this.rotation = new RotationView(pool, new Logger('Traffic'));
  }

  onModuleInit(): void {
    this.rotation.start();
  }

  onModuleDestroy(): void {
    this.rotation.stop();
  }

  pick(): PoolInstance | undefined {
    return this.leastOutstanding(undefined);
  }

  alternative(failedId: string): PoolInstance | undefined {
    return this.leastOutstanding(failedId);
  }

  serving(): PoolInstance[] {
    return [...this.rotation.current()];
  }

  private leastOutstanding(exceptId: string | undefined): PoolInstance | undefined {
    const instances = this.rotation.current();
    const count = instances.length;
    if (count === 0) return undefined;
    const start = this.nextStart < count ? this.nextStart : 0;
    this.nextStart = start + 1;
    let best: PoolInstance | undefined;
    for (let offset = 0; offset < count; offset++) {
      const candidate = instances[(start + offset) % count];
      if (candidate.id === exceptId) continue;
      if (best === undefined || candidate.inFlight < best.inFlight) best = candidate;
    }
    return best;
  }
}
