import { Injectable, Logger } from '@nestjs/common';
import { HealthConfig } from '../config/health.config';
import { TrafficConfig } from '../config/traffic.config';
import { UpstreamOutcome } from '../seams/traffic-director';
import { InstancePool } from './instance-pool';
import { PoolInstance } from './pool-instance';

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
    if (
      instance.phase !== 'admitted' ||
      instance.health !== 'healthy' ||
      this.pool.get(instance.id) !== instance
    )
      return;
    const reason = `${failuresInARow} request(s) in a row failed at the transport (last: ${outcome})`;
    this.logger.warn({
      msg: 'out of rotation (passive ejection): requests in a row failed at the transport; back after health.passesToAdmit passing checks',
      instanceId: instance.id,
      instanceName: instance.name,
      address: `${instance.backend?.host}:${instance.backend?.port}`,
      failuresInARow,
      lastOutcome: outcome,
      passesToAdmit: this.health.passesToAdmit,
    });
    this.pool.eject(instance.id, reason, 'passive');
  }
}
