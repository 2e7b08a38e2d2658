import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { HealthConfig } from '../config/health.config';
import { InstancePool } from '../pool/instance-pool';
import { PoolInstance } from '../pool/pool-instance';
import { describe } from '../pool/traffic-selector';
import { Clock, CLOCK } from '../clock/clock';
import { BACKEND_PROBE, BackendProbe } from './backend-probe';

/**
 * Keeps checking every admitted backend. After `failuresToEject` failures in a row a healthy
 * backend leaves rotation; after `passesToAdmit` passes in a row an ejected one returns. Both
 * transitions are logged once; the pool's events tell everyone else.
 */
@Injectable()
export class BackendHealthMonitor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('HealthMonitor');
  private readonly stop = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(
    private readonly config: HealthConfig,
    private readonly pool: InstancePool,
    @Inject(BACKEND_PROBE) private readonly probe: BackendProbe,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    this.loop = this.run();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stop.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    const signal = this.stop.signal;
    while (!signal.aborted) {
      const due = this.pool.admitted().filter((instance) => instance.backend);
      await Promise.all(due.map((instance) => this.checkOnce(instance, signal)));
      try {
        await this.clock.sleep(this.config.intervalMs, signal);
      } catch {
        return; // shutting down
      }
    }
  }

  private async checkOnce(instance: PoolInstance, signal: AbortSignal): Promise<void> {
    if (!instance.backend) return;
    const result = await this.probe.check(instance.backend, signal);
    if (signal.aborted) return;
    const checked = this.pool.recordCheck(instance.id, {
      ok: result.ok,
      detail: result.detail,
      at: this.clock.now().toISOString(),
    });
    if (!checked || checked.phase !== 'admitted') return;
    const { failuresToEject, passesToAdmit } = this.config;
    if (!result.ok && checked.health === 'healthy') {
      if (checked.consecutiveCheckFailures >= failuresToEject) {
        const reason = `failed ${checked.consecutiveCheckFailures} health checks in a row (last: ${result.detail})`;
        this.logger.warn(`${describe(checked)} out of rotation: ${reason}`);
        this.pool.eject(checked.id, reason);
      } else {
        this.logger.warn(
          `${describe(checked)} health check failed ${checked.consecutiveCheckFailures}/${failuresToEject}: ${result.detail}`,
        );
      }
    } else if (
      result.ok &&
      checked.health === 'ejected' &&
      checked.consecutiveCheckPasses >= passesToAdmit
    ) {
      this.logger.log(
        `${describe(checked)} back in rotation after ${checked.consecutiveCheckPasses} passing health checks`,
      );
      this.pool.restore(checked.id);
    }
  }
}
