import { Injectable, Logger } from '@nestjs/common';
import { HealthConfig } from '../config/health.config';
import { TrafficConfig } from '../config/traffic.config';
import { UpstreamOutcome } from '../seams/traffic-director';
import { InstancePool } from './instance-pool';
import { PoolInstance } from './pool-instance';
import { describe } from './traffic-selector';

/**
 * Passive ejection: real requests are the fastest health check there is. An instance whose
 * forwarded requests fail at the transport `traffic.passiveFailuresToEject` times in a row leaves
 * rotation at once; the BackendHealthMonitor keeps probing it and restores it after
 * `health.passesToAdmit` passing checks counted from the ejection. Only transport failures count
 * (`connect-failed`, `reset`, `timeout`): a response the backend chose to send, 5xx included, is
 * the application speaking, and a client abort says nothing about the backend.
 */
@Injectable()
export class PassiveEjection {
  private readonly logger = new Logger('PassiveEjection');

  constructor(
    private readonly config: TrafficConfig,
    private readonly health: HealthConfig,
    private readonly pool: InstancePool,
  ) {}

  /** Called once per upstream attempt as it settles (the hot path: a few field reads). */
  observe(instance: PoolInstance, outcome: UpstreamOutcome): void {
    if (!this.config.passiveEjection || outcome === 'client-aborted') return;
    const failuresInARow = this.pool.recordTransportOutcome(instance, outcome !== 'ok');
    if (failuresInARow < this.config.passiveFailuresToEject) return;
    if (instance.phase !== 'admitted' || instance.health !== 'healthy' || this.pool.get(instance.id) !== instance) return;
    const reason = `${failuresInARow} request(s) in a row failed at the transport (last: ${outcome})`;
    this.logger.warn(
      `${describe(instance)} out of rotation (passive ejection): ${reason}; back after ${this.health.passesToAdmit} passing health checks`,
    );
    this.pool.eject(instance.id, reason, 'passive');
  }
}
