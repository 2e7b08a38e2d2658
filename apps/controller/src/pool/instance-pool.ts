import { EventEmitter } from 'node:events';
import { Inject, Injectable } from '@nestjs/common';
import { Clock, CLOCK } from '../clock/clock';
import { Backend } from '../seams/traffic-director';
import {
  EjectionSource,
  HealthCheckRecord,
  InstancePhase,
  InstanceRole,
  PoolInstance,
} from './pool-instance';

/** What happened in the pool; metrics and logging hang on these rather than on branches. */
export interface PoolEvents {
  registered: [instance: PoolInstance];
  phase: [instance: PoolInstance, previous: InstancePhase];
  admitted: [instance: PoolInstance];
  ejected: [instance: PoolInstance, reason: string, by: EjectionSource];
  restored: [instance: PoolInstance];
  removed: [instance: PoolInstance];
}

/**
 * Every instance the controller knows about, its state, address and load. The single source of
 * truth the traffic selector, the health monitor, the scaler and /status read from.
 */
@Injectable()
export class InstancePool {
  readonly events = new EventEmitter<PoolEvents>();
  private readonly instances = new Map<string, PoolInstance>();

  constructor(@Inject(CLOCK) private readonly clock: Clock) {}

  register(init: {
    id: string;
    name: string;
    role: InstanceRole;
    phase: InstancePhase;
    backend?: Backend;
  }): PoolInstance {
    if (this.instances.has(init.id)) throw new Error(`instance ${init.id} is already in the pool`);
    const instance: PoolInstance = {
      id: init.id,
      name: init.name,
      role: init.role,
      phase: init.phase,
      health: 'healthy',
      backend: init.backend,
      registeredAtMs: this.clock.nowMs(),
      registeredAt: this.clock.now().toISOString(),
      requestsServed: 0,
      inFlight: 0,
      consecutiveCheckFailures: 0,
      consecutiveCheckPasses: 0,
      consecutiveTransportFailures: 0,
    };
    this.instances.set(instance.id, instance);
    this.events.emit('registered', instance);
    return instance;
  }

  get(id: string): PoolInstance | undefined {
    return this.instances.get(id);
  }

  /** Every instance, oldest first. */
  list(): PoolInstance[] {
    return [...this.instances.values()];
  }

  admitted(): PoolInstance[] {
    return this.list().filter((instance) => instance.phase === 'admitted');
  }

  /** Admitted and healthy: may take traffic. */
  inRotation(): PoolInstance[] {
    return this.list().filter(
      (instance) => instance.phase === 'admitted' && instance.health === 'healthy',
    );
  }

  /** Instances that count against `maxInstances` (everything not on its way out). */
  capacityUsed(): number {
    return this.list().filter((instance) => instance.phase !== 'deleting').length;
  }

  setPhase(id: string, phase: InstancePhase): void {
    const instance = this.require(id);
    if (instance.phase === phase) return;
    const previous = instance.phase;
    instance.phase = phase;
    this.events.emit('phase', instance, previous);
  }

  setBackend(id: string, backend: Backend): void {
    this.require(id).backend = backend;
  }

  admit(id: string): void {
    const instance = this.require(id);
    if (!instance.backend)
      throw new Error(`instance ${instance.name} cannot be admitted without an address`);
    instance.health = 'healthy';
    instance.admittedAtMs = this.clock.nowMs();
    instance.consecutiveCheckFailures = 0;
    this.setPhase(id, 'admitted');
    this.events.emit('admitted', instance);
  }

  /** Record one health check of an admitted instance; the HealthModule decides what it means. */
  recordCheck(id: string, check: HealthCheckRecord): PoolInstance | undefined {
    const instance = this.instances.get(id);
    if (!instance) return undefined;
    instance.lastCheck = check;
    if (check.ok) {
      instance.consecutiveCheckPasses++;
      instance.consecutiveCheckFailures = 0;
    } else {
      instance.consecutiveCheckFailures++;
      instance.consecutiveCheckPasses = 0;
    }
    return instance;
  }

  /**
   * Out of rotation until the health monitor restores it. Passing checks are counted again from
   * here, so an instance ejected passively needs `passesToAdmit` fresh passes to come back.
   */
  eject(id: string, reason: string, by: EjectionSource = 'health-checks'): void {
    const instance = this.require(id);
    if (instance.health === 'ejected') return;
    instance.health = 'ejected';
    instance.ejectedBy = by;
    instance.consecutiveCheckPasses = 0;
    this.events.emit('ejected', instance, reason, by);
  }

  restore(id: string): void {
    const instance = this.require(id);
    if (instance.health === 'healthy') return;
    instance.health = 'healthy';
    instance.ejectedBy = undefined;
    instance.consecutiveTransportFailures = 0;
    this.events.emit('restored', instance);
  }

  requestStarted(id: string): void {
    const instance = this.instances.get(id);
    if (!instance) return;
    instance.requestsServed++;
    instance.inFlight++;
  }

  /** One request handed to `id` is over; returns the instance (undefined once removed). */
  requestFinished(id: string): PoolInstance | undefined {
    const instance = this.instances.get(id);
    if (instance && instance.inFlight > 0) instance.inFlight--;
    return instance;
  }

  /** An external data plane's counters (dataPlane.kind haproxy): requests sent to `id` since the last reading, and in flight now. */
  recordExternalLoad(id: string, newRequests: number, inFlight: number): void {
    const instance = this.instances.get(id);
    if (!instance) return;
    instance.requestsServed += newRequests;
    instance.inFlight = inFlight;
  }

  /** Record how a forwarded request ended at the transport; returns the failures in a row. */
  recordTransportOutcome(instance: PoolInstance, failed: boolean): number {
    if (!failed) {
      if (instance.consecutiveTransportFailures !== 0) instance.consecutiveTransportFailures = 0;
      return 0;
    }
    return ++instance.consecutiveTransportFailures;
  }

  remove(id: string): void {
    const instance = this.instances.get(id);
    if (!instance) return;
    this.instances.delete(id);
    this.events.emit('removed', instance);
  }

  private require(id: string): PoolInstance {
    const instance = this.instances.get(id);
    if (!instance) throw new Error(`instance ${id} is not in the pool`);
    return instance;
  }
}
