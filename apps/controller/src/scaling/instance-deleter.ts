import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { ProviderConfig } from '../config/provider.config';
import { Clock, CLOCK } from '../clock/clock';
import { INSTANCE_PROVIDER, InstanceProvider } from '../providers/instance-provider';
import { FailureBackoff, retry } from '../resilience/backoff';

export interface DeleteTarget {
  readonly id: string;
  readonly name: string;
}

export interface DeleteOutcome {
  readonly deleted: boolean;
  /** For the scaling event: `deleted <id>`, or why it is still there and what happens next. */
  readonly note: string;
}

interface PendingDelete {
  readonly target: DeleteTarget;
  readonly context: string;
  readonly sinceMs: number;
  readonly backoff: FailureBackoff;
  attempts: number;
  lastError: string;
}

const ATTEMPTS_IN_A_ROW = 3;
const BACKGROUND_RETRY_INITIAL_MS = 2_000;
const BACKGROUND_RETRY_MAX_MS = 60_000;
/** How long a deleted id is remembered, so the orphan sweep does not delete a server Nova is still removing. */
const REMEMBER_DELETED_MS = 10 * 60_000;

/**
 * The single way the controller deletes an instance. A few quick attempts; if the provider still
 * fails (a cloud API outage), the instance is kept on a list and retried in the background with
 * back-off until it is gone, so an outage never leaks a server. Whatever is still listed at
 * shutdown carries our group metadata: the next controller's recovery finds it.
 */
@Injectable()
export class InstanceDeleter implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Deleter');
  private readonly pending = new Map<string, PendingDelete>();
  private readonly deletedAtMs = new Map<string, number>();
  private readonly stop = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(
    @Inject(INSTANCE_PROVIDER) private readonly provider: InstanceProvider,
    private readonly providerConfig: ProviderConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    this.loop = this.retryInBackground(this.stop.signal);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stop.abort();
    await this.loop;
    if (this.pending.size === 0) return;
    const left = [...this.pending.values()].map(
      (item) => `${item.target.name} (${item.target.id}): ${item.lastError}`,
    );
    this.logger.error({
      msg: 'instances not deleted before shutdown: the next controller start finds them by their osa:group metadata and deletes or adopts them',
      count: left.length,
      instances: left,
      group: this.providerConfig.group,
    });
  }

  async delete(target: DeleteTarget, context: string): Promise<DeleteOutcome> {
    try {
      // A few quick attempts (1 s, then 2 s apart) before the background takes over.
      await retry(() => this.provider.delete(target.id), {
        clock: this.clock,
        delayMs: (attempt) => (attempt < ATTEMPTS_IN_A_ROW ? 1000 * attempt : undefined),
        onRetry: (error, attempt) =>
          this.logger.warn({
            msg: 'delete failed',
            ...deleteFields(target, context),
            attempt,
            attempts: ATTEMPTS_IN_A_ROW,
            err: error,
          }),
      });
      this.remember(target.id);
      return { deleted: true, note: `deleted ${target.id}` };
    } catch (error) {
      const lastError = (error as Error).message;
      this.logger.warn({
        msg: 'delete failed',
        ...deleteFields(target, context),
        attempt: ATTEMPTS_IN_A_ROW,
        attempts: ATTEMPTS_IN_A_ROW,
        err: error,
      });
      const backoff = new FailureBackoff(BACKGROUND_RETRY_INITIAL_MS, BACKGROUND_RETRY_MAX_MS);
      backoff.failed(this.clock.nowMs());
      this.pending.set(target.id, {
        target,
        context,
        sinceMs: this.clock.nowMs(),
        backoff,
        attempts: ATTEMPTS_IN_A_ROW,
        lastError,
      });
      const note = `could not delete ${target.name} (${target.id}) yet: ${lastError}; retrying in the background until it is gone`;
      this.logger.error({
        msg: 'delete failed: retrying in the background until it is gone',
        ...deleteFields(target, context),
        err: error,
      });
      return { deleted: false, note };
    }
  }

  /** Deleted by us recently, or still being retried: not an orphan. */
  isOurs(id: string): boolean {
    return this.pending.has(id) || this.deletedAtMs.has(id);
  }

  pendingView(): Array<{
    id: string;
    name: string;
    context: string;
    attempts: number;
    lastError: string;
    nextAttemptInMs: number;
  }> {
    const nowMs = this.clock.nowMs();
    return [...this.pending.values()].map((item) => ({
      id: item.target.id,
      name: item.target.name,
      context: item.context,
      attempts: item.attempts,
      lastError: item.lastError,
      nextAttemptInMs: item.backoff.waitMs(nowMs),
    }));
  }

  private async retryInBackground(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      for (const item of [...this.pending.values()]) {
        if (signal.aborted || item.backoff.waitMs(this.clock.nowMs()) > 0) continue;
        item.attempts++;
        try {
          await this.provider.delete(item.target.id, signal);
          this.pending.delete(item.target.id);
          this.remember(item.target.id);
          this.logger.log({
            msg: 'deleted in the background: nothing left behind',
            ...deleteFields(item.target, item.context),
            attempt: item.attempts,
            elapsedMs: Math.round(this.clock.nowMs() - item.sinceMs),
          });
        } catch (error) {
          if (signal.aborted) return;
          item.lastError = (error as Error).message;
          const waitMs = item.backoff.failed(this.clock.nowMs());
          this.logger.warn({
            msg: 'delete failed again',
            ...deleteFields(item.target, item.context),
            attempt: item.attempts,
            err: error,
            nextAttemptInMs: waitMs,
          });
        }
      }
      try {
        await this.clock.sleep(500, signal);
      } catch {
        return;
      }
    }
  }

  private remember(id: string): void {
    const nowMs = this.clock.nowMs();
    this.deletedAtMs.set(id, nowMs);
    for (const [known, atMs] of this.deletedAtMs)
      if (nowMs - atMs > REMEMBER_DELETED_MS) this.deletedAtMs.delete(known);
  }
}

/** `requestedBy`: what asked for the delete (`scale-out #3`, `heal #5`, a spec's name). */
function deleteFields(
  target: DeleteTarget,
  requestedBy: string,
): { instanceId: string; instanceName: string; requestedBy: string } {
  return { instanceId: target.id, instanceName: target.name, requestedBy };
}
