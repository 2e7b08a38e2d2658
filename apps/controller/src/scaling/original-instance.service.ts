import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { ProviderConfig } from '../config/provider.config';
import { BackendReadiness } from '../health/backend-readiness';
import { InstancePool } from '../pool/instance-pool';
import { Clock, CLOCK } from '../clock/clock';
import {
  INSTANCE_PROVIDER,
  InstanceProvider,
  OriginalInstance,
} from '../providers/instance-provider';

const RETRY_INITIAL_MS = 2_000;
const RETRY_MAX_MS = 60_000;

/**
 * Brings the seed's `service-vm-1` into the pool at start-up: the local provider starts it, the
 * OpenStack provider adopts it by name (or URL). It is admitted through the same health checks
 * as any clone. Runs in the background so the listeners are up at once (clients get 503 until
 * it is healthy); retries with back-off until it works or the controller stops.
 */
@Injectable()
export class OriginalInstanceService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Original');
  private readonly stop = new AbortController();
  private adoption: Promise<void> | undefined;
  private adoptionEnded = false;

  constructor(
    private readonly providerConfig: ProviderConfig,
    private readonly pool: InstancePool,
    private readonly readiness: BackendReadiness,
    @Inject(INSTANCE_PROVIDER) private readonly provider: InstanceProvider,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    this.adoption = this.adopt(this.stop.signal)
      .catch((error: unknown) => {
        if (!this.stop.signal.aborted)
          this.logger.error({
            msg: 'giving up on the original',
            instanceName: this.providerConfig.originalName,
            err: error,
          });
      })
      .finally(() => (this.adoptionEnded = true));
  }

  /**
   * True while the original is still being brought up and not yet in the pool: its place counts
   * toward the desired number, so the scaler does not create a clone in its stead meanwhile.
   */
  holdsSlot(): boolean {
    return (
      !this.adoptionEnded && !this.pool.list().some((instance) => instance.role === 'original')
    );
  }

  /** Resolves once the original is admitted (or adoption was stopped). */
  async admitted(): Promise<void> {
    await this.adoption;
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stop.abort();
    await this.adoption;
  }

  private async adopt(signal: AbortSignal): Promise<void> {
    const name = this.providerConfig.originalName;
    let retryMs = RETRY_INITIAL_MS;
    for (let attempt = 1; !signal.aborted; attempt++) {
      let original: OriginalInstance | undefined;
      try {
        original = await this.provider.provisionOriginal(signal);
        const endpoint = `${original.endpoint.host}:${original.endpoint.port}`;
        if (!this.pool.get(original.id)) {
          this.pool.register({
            id: original.id,
            name: original.name,
            role: 'original',
            phase: 'health-checking',
            backend: { id: original.id, ...original.endpoint },
          });
        }
        const fields = { instanceId: original.id, instanceName: original.name, address: endpoint };
        this.logger.log({
          msg: 'original: health-checking before it takes traffic',
          ...fields,
          phase: 'health-checking',
        });
        const startedMs = this.clock.nowMs();
        const { checks } = await this.readiness.waitUntilReady(original.endpoint, { signal });
        this.pool.admit(original.id);
        this.logger.log({
          msg: 'original admitted: ready for traffic',
          ...fields,
          phase: 'admitted',
          checks,
          elapsedMs: Math.round(this.clock.nowMs() - startedMs),
        });
        return;
      } catch (error) {
        if (signal.aborted) return;
        this.logger.error({
          msg: 'original not ready: retrying',
          instanceName: name,
          attempt,
          err: error,
          nextAttemptInMs: retryMs,
        });
        if (original) await this.forgetIfDead(original);
      }
      try {
        await this.clock.sleep(retryMs, signal);
      } catch {
        return;
      }
      retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
    }
  }

  /** A dead original (its process exited, its server is in ERROR) is dropped so the next attempt starts afresh. */
  private async forgetIfDead(original: OriginalInstance): Promise<void> {
    try {
      const snapshot = await this.provider.describe(original.id);
      if (snapshot.status === 'ACTIVE' || snapshot.status === 'BUILD') return;
      this.logger.error({
        msg: 'original is dead: starting afresh',
        instanceId: original.id,
        instanceName: original.name,
        status: snapshot.status,
        ...(snapshot.fault ? { fault: snapshot.fault } : {}),
      });
      if (this.provider.kind === 'local') await this.provider.delete(original.id);
      this.pool.remove(original.id);
    } catch (error) {
      this.logger.warn({
        msg: 'could not read the status of the original',
        instanceId: original.id,
        instanceName: original.name,
        err: error,
      });
    }
  }
}
