import { Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InstancePool } from './instance-pool';
import { PoolInstance } from './pool-instance';
import { RotationView } from './rotation-view';
import { TrafficSelector } from './traffic-selector';

/**
 * Pool mode, `traffic.balancing: round-robin`: the instances in rotation take turns, whatever
 * their load. Even request counts per instance; a slow instance gets as many as a fast one.
 */
export class RoundRobinTrafficSelector implements TrafficSelector, OnModuleInit, OnModuleDestroy {
  private readonly rotation: RotationView;
  private next = 0;

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
    const instances = this.rotation.current();
    if (instances.length === 0) return undefined;
    const index = this.next < instances.length ? this.next : 0;
    this.next = index + 1;
    return instances[index];
  }

  /** The next instance in turn that is not the one that failed. */
  alternative(failedId: string): PoolInstance | undefined {
    const instances = this.rotation.current();
    for (let attempt = 0; attempt < instances.length; attempt++) {
      const candidate = this.pick();
      if (candidate && candidate.id !== failedId) return candidate;
    }
    return undefined;
  }

  serving(): PoolInstance[] {
    return [...this.rotation.current()];
  }
}
