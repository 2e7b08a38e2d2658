import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InstancePool } from './instance-pool';
import { PoolInstance } from './pool-instance';

/**
 * Which instance a request goes to. `switch` (the seed) sends everything to one active instance;
 * the production pool mode (least outstanding requests) implements the same interface.
 */
export interface TrafficSelector {
  /** The instance for the next request, or undefined when none may take traffic. */
  pick(): PoolInstance | undefined;
  /** Another instance for one retry after `failedId` provably received nothing. */
  alternative(failedId: string): PoolInstance | undefined;
  /** Instances receiving new requests now (for /status). */
  serving(): PoolInstance[];
}

export const TRAFFIC_SELECTOR = Symbol('TRAFFIC_SELECTOR');

/**
 * Seed behaviour (section 14): all traffic goes to the newest admitted instance. When that one
 * is ejected by health checks, traffic falls back to the newest other healthy instance rather
 * than failing; it does not flap back when the ejected one recovers.
 */
@Injectable()
export class SwitchTrafficSelector implements TrafficSelector, OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Traffic');
  private activeId: string | undefined;
  private readonly unsubscribe: Array<() => void> = [];

  constructor(private readonly pool: InstancePool) {}

  onModuleInit(): void {
    this.on('admitted', (instance) => this.switchTo(instance, 'admitted'));
    this.on('ejected', (instance) => {
      if (instance.id === this.activeId) this.fallBack(instance, 'ejected by health checks');
    });
    this.on('removed', (instance) => {
      if (instance.id === this.activeId) this.fallBack(instance, 'removed');
    });
    // Scale-in and healing move an instance to `deleting` before draining it: switch away at once.
    this.on('phase', (instance) => {
      if (instance.id === this.activeId && instance.phase === 'deleting')
        this.fallBack(instance, 'being removed');
    });
    this.on('restored', (instance) => {
      if (!this.active()) this.switchTo(instance, 'healthy again');
    });
  }

  onModuleDestroy(): void {
    for (const off of this.unsubscribe) off();
  }

  pick(): PoolInstance | undefined {
    return this.active();
  }

  alternative(failedId: string): PoolInstance | undefined {
    return newestFirst(this.pool.inRotation()).find((instance) => instance.id !== failedId);
  }

  serving(): PoolInstance[] {
    const active = this.active();
    return active ? [active] : [];
  }

  private active(): PoolInstance | undefined {
    const instance = this.activeId === undefined ? undefined : this.pool.get(this.activeId);
    return instance && instance.phase === 'admitted' && instance.health === 'healthy'
      ? instance
      : undefined;
  }

  private switchTo(instance: PoolInstance, why: string): void {
    const previous = this.activeId === undefined ? undefined : this.pool.get(this.activeId);
    this.activeId = instance.id;
    if (previous && previous.id !== instance.id) {
      this.logger.log(
        `traffic switched: ${describe(previous)} -> ${describe(instance)} (${instance.name} ${why})`,
      );
    } else {
      this.logger.log(`traffic goes to ${describe(instance)} (${why})`);
    }
  }

  private fallBack(lost: PoolInstance, why: string): void {
    const next = newestFirst(this.pool.inRotation()).find((instance) => instance.id !== lost.id);
    if (next) {
      this.activeId = next.id;
      this.logger.warn(
        `traffic switched: ${describe(lost)} -> ${describe(next)} (${lost.name} ${why})`,
      );
    } else {
      this.logger.warn(
        `no healthy instance left after ${describe(lost)} was ${why}: clients get 503 until one is healthy`,
      );
    }
  }

  private on<E extends 'admitted' | 'ejected' | 'removed' | 'restored' | 'phase'>(
    event: E,
    listener: (instance: PoolInstance) => void,
  ): void {
    const handler = (instance: PoolInstance): void => listener(instance);
    this.pool.events.on(event, handler as never);
    this.unsubscribe.push(() => this.pool.events.off(event, handler as never));
  }
}

function newestFirst(instances: PoolInstance[]): PoolInstance[] {
  return [...instances].sort((a, b) => (b.admittedAtMs ?? 0) - (a.admittedAtMs ?? 0));
}

export function describe(instance: PoolInstance): string {
  return instance.backend
    ? `${instance.name} (${instance.backend.host}:${instance.backend.port})`
    : instance.name;
}
