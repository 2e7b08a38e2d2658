import { Logger } from '@nestjs/common';
import { InstancePool, PoolEvents } from './instance-pool';
import { PoolInstance } from './pool-instance';
import { describe } from './traffic-selector';

/** Every pool event that can move an instance into or out of rotation. */
const ROTATION_EVENTS: ReadonlyArray<keyof PoolEvents> = [
  'registered',
  'phase',
  'admitted',
  'ejected',
  'restored',
  'removed',
];

/**
 * The instances in rotation (admitted and healthy), oldest admission first, kept as one array
 * that is rebuilt only when the pool says something changed. The per-request selectors read it
 * without filtering or allocating; the instances in it are the pool's live records, so their
 * `inFlight` counts are always current. Logs each change of the rotation once.
 */
export class RotationView {
  private instances: readonly PoolInstance[] = [];
  private readonly listeners: Array<[keyof PoolEvents, () => void]> = [];
  private description = '';

  constructor(
    private readonly pool: InstancePool,
    private readonly logger: Logger,
  ) {}

  /** Subscribe to the pool (Nest `onModuleInit` of the owning selector). */
  start(): void {
    const rebuild = (): void => this.rebuild();
    for (const event of ROTATION_EVENTS) {
      this.pool.events.on(event, rebuild);
      this.listeners.push([event, rebuild]);
    }
    this.rebuild();
  }

  stop(): void {
    for (const [event, listener] of this.listeners.splice(0)) this.pool.events.off(event, listener);
  }

  /** Admitted and healthy, oldest admission first. Do not mutate. */
  current(): readonly PoolInstance[] {
    return this.instances;
  }

  private rebuild(): void {
    this.instances = this.pool
      .inRotation()
      .sort((a, b) => (a.admittedAtMs ?? 0) - (b.admittedAtMs ?? 0));
    const description = this.instances.map(describe).join(', ');
    if (description === this.description) return;
    this.description = description;
    if (this.instances.length === 0) this.logger.warn('pool: no instance in rotation');
    else this.logger.log(`pool: ${this.instances.length} instance(s) in rotation: ${description}`);
  }
}
