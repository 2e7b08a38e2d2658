import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { CancelTimer, Clock, CLOCK } from '../../clock/clock';
import { ScalingConfig } from '../../config/scaling.config';
import { ScalingService } from '../scaling.service';
import { CapacityBounds } from './capacity-bounds';
import {
  capacityInForce,
  CapacityInForce,
  entryLabel,
  ScheduleEntry,
  scheduledDesired,
  upcomingChanges,
} from './schedule-decisions';

/** /status `schedule`: what is in force now and the next three changes. */
export interface ScheduleView {
  readonly inForce: {
    readonly minInstances: number;
    readonly maxInstances: number;
    readonly desired?: number;
    /** Which entries set these, and when (absent: the configuration's own values). */
    readonly minFrom?: string;
    readonly maxFrom?: string;
    readonly desiredFrom?: string;
  };
  readonly next: readonly {
    readonly at: string;
    readonly entry: string;
    readonly minInstances?: number;
    readonly maxInstances?: number;
    readonly desired?: number;
  }[];
}

/** A timer never waits longer than this before looking again (Node's setTimeout caps at ~24.8 days). */
const MAX_TIMER_MS = 6 * 3_600_000;
/** Fire a little after the due moment, so the cron arithmetic sees the occurrence as passed. */
const FIRE_MARGIN_MS = 5;
/** While restart recovery has not set a desired count yet, look again this often. */
const RECOVERY_POLL_MS = 500;

/**
 * `scaling.schedule` (scheduled capacity). Each entry is a CronJob in @nestjs/schedule's
 * SchedulerRegistry (named `scaling.schedule[i]`), which fires it in real time; a Clock timer
 * armed for the next change does the same under a manual clock (specs) and after a suspend. Both
 * call `apply`, which asks the pure `capacityInForce` what holds at the clock's time and carries
 * out only what changed -- so a double firing is harmless, and a restart applies the entry in
 * force now, never one it missed.
 */
@Injectable()
export class ScalingScheduleService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Schedule');
  private readonly entries: ScheduleEntry[];
  private appliedDesiredKey: string | undefined;
  private appliedBoundsKey: string | undefined;
  private timer: CancelTimer | undefined;
  private stopped = false;

  constructor(
    private readonly config: ScalingConfig,
    private readonly bounds: CapacityBounds,
    private readonly scaling: ScalingService,
    private readonly registry: SchedulerRegistry,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.entries = config.schedule.map((entry, index) => ({
      index,
      name: entry.name,
      cron: entry.cron,
      timeZone: entry.timeZone,
      minInstances: entry.minInstances,
      maxInstances: entry.maxInstances,
      desired: entry.desired,
    }));
  }

  onApplicationBootstrap(): void {
    if (this.entries.length === 0) return;
    for (const entry of this.entries) {
      const job = CronJob.from({
        cronTime: entry.cron,
        timeZone: entry.timeZone,
        onTick: () => this.apply(`${entryLabel(entry)} fired`),
        start: true,
      });
      this.registry.addCronJob(`scaling.schedule[${entry.index}]`, job as never);
    }
    const next = this.view().next.map((change) => `${change.at} ${change.entry}`);
    this.logger.log(
      `${this.entries.length} schedule entr${this.entries.length === 1 ? 'y' : 'ies'}; next: ${next.join('; ') || 'none'}`,
    );
    this.apply('start-up: the entry in force now');
  }

  onModuleDestroy(): void {
    this.stopped = true;
    this.timer?.();
    for (const entry of this.entries) {
      const name = `scaling.schedule[${entry.index}]`;
      if (this.registry.doesExist('cron', name)) {
        this.registry.getCronJob(name).stop();
        this.registry.deleteCronJob(name);
      }
    }
  }

  /** What is in force now, and the next three changes (for /status, /v1/status and osa). */
  view(): ScheduleView {
    const nowMs = this.clock.now().getTime();
    const inForce = capacityInForce(this.entries, this.config, nowMs);
    const from = (source: { entry: string; firedAtMs: number } | undefined): string | undefined =>
      source ? `${source.entry} at ${new Date(source.firedAtMs).toISOString()}` : undefined;
    return {
      inForce: {
        minInstances: inForce.minInstances,
        maxInstances: inForce.maxInstances,
        desired: inForce.desired?.count,
        minFrom: from(inForce.minSource),
        maxFrom: from(inForce.maxSource),
        desiredFrom: from(inForce.desired),
      },
      next: upcomingChanges(this.entries, nowMs, 3).map((change) => ({
        at: new Date(change.atMs).toISOString(),
        entry: change.entry,
        minInstances: change.minInstances,
        maxInstances: change.maxInstances,
        desired: change.desired,
      })),
    };
  }

  get active(): boolean {
    return this.entries.length > 0;
  }

  /** Applies what is in force at the clock's time; only changes are carried out (idempotent). */
  apply(trigger: string): void {
    if (this.stopped) return;
    try {
      const nowMs = this.clock.now().getTime();
      const inForce = capacityInForce(this.entries, this.config, nowMs);
      this.applyBounds(inForce, trigger);
      if (!this.scaling.isRecovered) {
        // The desired count comes from restart recovery first; the schedule's applies on top.
        this.arm(RECOVERY_POLL_MS);
        return;
      }
      this.applyDesired(inForce, trigger);
      this.arm(this.nextDelayMs(nowMs));
    } catch (error) {
      this.logger.error(`applying the schedule failed: ${(error as Error).stack ?? String(error)}`);
      this.arm(MAX_TIMER_MS);
    }
  }

  private applyBounds(inForce: CapacityInForce, trigger: string): void {
    const key = `${inForce.minInstances}/${inForce.maxInstances}`;
    if (key === this.appliedBoundsKey) return;
    this.appliedBoundsKey = key;
    if (!this.bounds.set(inForce)) return;
    const from = [
      inForce.minSource && `min from ${inForce.minSource.entry}`,
      inForce.maxSource && `max from ${inForce.maxSource.entry}`,
    ]
      .filter(Boolean)
      .join(', ');
    this.logger.log(
      `capacity in force: minInstances ${inForce.minInstances}, maxInstances ${inForce.maxInstances} (${trigger}${from ? `; ${from}` : ''})`,
    );
    this.reclamp(trigger);
  }

  private applyDesired(inForce: CapacityInForce, trigger: string): void {
    const key = inForce.desired
      ? `${inForce.desired.entry}@${inForce.desired.firedAtMs}`
      : undefined;
    const fresh = key !== undefined && key !== this.appliedDesiredKey;
    this.appliedDesiredKey = key;
    if (fresh) {
      const target = scheduledDesired(inForce, this.scaling.desiredCount, true);
      if (target !== undefined)
        this.scaling.setDesired(target, {
          source: 'schedule',
          reason: `${inForce.desired?.entry} set desired ${inForce.desired?.count} (${trigger})`,
        });
      return;
    }
    this.reclamp(trigger);
  }

  /** A new min or max moves the desired count into the range (AWS: the desired is clamped). */
  private reclamp(trigger: string): void {
    const current = this.scaling.desiredCount;
    if (current === undefined) return;
    const target = Math.min(Math.max(current, this.bounds.minInstances), this.bounds.maxInstances);
    if (target !== current)
      this.scaling.setDesired(target, {
        source: 'schedule',
        reason: `scheduled range ${this.bounds.minInstances}..${this.bounds.maxInstances} (${trigger})`,
      });
  }

  private nextDelayMs(nowMs: number): number {
    const [next] = upcomingChanges(this.entries, nowMs, 1);
    return next
      ? Math.min(Math.max(0, next.atMs - nowMs) + FIRE_MARGIN_MS, MAX_TIMER_MS)
      : MAX_TIMER_MS;
  }

  private arm(delayMs: number): void {
    this.timer?.();
    if (this.stopped) return;
    this.timer = this.clock.setTimer(delayMs, () => {
      this.timer = undefined;
      this.apply('the scheduled moment came');
    });
  }
}
