import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import { Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { OpenStackClient, PreconditionFailedError } from '@osa/openstack-client';
import { Clock } from '../clock/clock';
import { LeadershipConfig } from '../config/leadership.config';
import { ProviderConfig } from '../config/provider.config';
import { Leadership, LeadershipEvents, LeadershipView } from '../seams/leadership';
import {
  actingDeadlineMs,
  ContenderState,
  decideLease,
  LeaseReading,
  LeaseSettings,
  landedWrite,
  leaderStillActing,
} from './lease-decision';
import { LeaseRecord } from './lease-record';
import { NeutronLeaseStore } from './neutron-lease-store';

/** Exit code of a controller that lost the lease (a supervisor restarts it as a standby). */
export const LOST_LEADERSHIP_EXIT_CODE = 3;
/** Writes with a lost answer remembered until one is confirmed (each may still land). */
const MAX_PENDING_WRITES = 4;
/** The shutdown's release write may take at least this long. */
const MIN_RELEASE_TIMEOUT_MS = 5_000;

/**
 * The election loop (rules in lease-decision.ts, the lease in neutron-lease-store.ts). Every
 * renewIntervalMs it reads the lease and acquires, renews or waits. `isLeader()` is computed from
 * the clock at each call, so a leader whose renews fail stops acting at its deadline even while
 * a call hangs or the process was paused.
 *
 * A leader that loses the lease exits (LOST_LEADERSHIP_EXIT_CODE) instead of turning standby in
 * place: it cannot know what its launches and removals in flight did, and a fresh start re-reads
 * the cloud as a standby (the same choice as client-go's leader election users make).
 * Built by ProvidersModule's LEADERSHIP factory (it shares the provider's OpenStack client).
 */
export class LeaderElection implements Leadership, OnApplicationBootstrap, OnApplicationShutdown {
  readonly events = new EventEmitter<LeadershipEvents>();
  private readonly logger = new Logger('Leadership');
  private readonly stop = new AbortController();
  private readonly settings: LeaseSettings;
  private readonly store: NeutronLeaseStore;
  private state: ContenderState = {};
  private last: LeaseReading | undefined;
  private detail = 'not read yet';
  /** What `detail` says while leading: since when, and how it was won. */
  private leaderDetail = '';
  private loop: Promise<void> | undefined;
  private cancelDeadline: (() => void) | undefined;

  constructor(
    config: LeadershipConfig,
    provider: ProviderConfig,
    client: OpenStackClient,
    private readonly clock: Clock,
  ) {
    const holderId =
      config.holderId ||
      `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`
        .replace(/[^A-Za-z0-9._-]/g, '-')
        .slice(-64);
    this.settings = {
      holderId,
      leaseDurationMs: config.leaseDurationMs,
      renewIntervalMs: config.renewIntervalMs,
    };
    this.store = new NeutronLeaseStore(client, config.leaseName || `osa-lease-${provider.group}`);
  }

  onApplicationBootstrap(): void {
    this.logger.log(
      `lease "${this.store.leaseName}" as ${this.settings.holderId}: leaseDurationMs=${this.settings.leaseDurationMs}, renewIntervalMs=${this.settings.renewIntervalMs}; standby until elected`,
    );
    this.loop = this.run(this.stop.signal);
  }

  /** After everything else stopped: a leader releases the lease so the standby need not wait it out. */
  async onApplicationShutdown(): Promise<void> {
    this.stop.abort();
    this.cancelDeadline?.();
    await this.loop;
    if (!this.isLeader() || !this.last) return;
    try {
      const released: LeaseRecord = {
        holder: '',
        token: randomBytes(8).toString('hex'),
        leaseMs: this.settings.leaseDurationMs,
        until: '',
        released: true,
      };
      await this.store.write(
        this.last.resourceId,
        this.last.revision,
        released,
        // Not bounded by a short renew interval alone: one slow PUT should not cost the
        // standby a whole lease. Nothing acts on it any more, so a late release is harmless.
        AbortSignal.timeout(Math.max(this.settings.renewIntervalMs, MIN_RELEASE_TIMEOUT_MS)),
      );
      this.logger.log('lease released: the standby may take over at once');
    } catch (error) {
      this.logger.warn(
        `could not release the lease (the standby takes over when it expires): ${(error as Error).message}`,
      );
    }
    this.state = {};
  }

  isLeader(): boolean {
    return leaderStillActing(this.state, this.settings, this.clock.nowMs());
  }

  async whenLeader(signal: AbortSignal): Promise<void> {
    if (this.isLeader()) return;
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        this.events.off('elected', onElected);
        reject(new Error('stopped before this controller was elected'));
      };
      const onElected = (): void => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      if (signal.aborted) return onAbort();
      this.events.once('elected', onElected);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  view(): LeadershipView {
    const leader = this.isLeader();
    const held = this.state.held;
    return {
      enabled: true,
      role: leader ? 'leader' : 'standby',
      holderId: this.settings.holderId,
      leaseHolder: this.last?.record?.holder ?? '',
      leaseResourceId: this.last?.resourceId,
      leaseRevision: this.last?.revision,
      actingUntil:
        leader && held
          ? new Date(
              this.clock.now().getTime() +
                actingDeadlineMs(held.sentMs, this.settings) -
                this.clock.nowMs(),
            ).toISOString()
          : undefined,
      detail: this.detail,
    };
  }

  private async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      let nextMs = this.settings.renewIntervalMs;
      try {
        nextMs = await this.step();
      } catch (error) {
        if (signal.aborted) break;
        // A failed read or write changes nothing: a leader keeps acting until its deadline only.
        this.detail = `lease call failed: ${(error as Error).message}`;
        this.logger.warn(`${this.detail}; retrying in ${Math.round(this.retryMs())} ms`);
        nextMs = this.retryMs();
      }
      try {
        await this.clock.sleep(nextMs, signal);
      } catch {
        break;
      }
    }
  }

  private callSignal(timeoutMs: number): AbortSignal {
    return AbortSignal.any([this.stop.signal, AbortSignal.timeout(timeoutMs)]);
  }

  /** How long after a write its confirming read waits: longer than an overlapping write can take (its call timeout). */
  private confirmDelayMs(): number {
    return this.settings.renewIntervalMs / 2;
  }

  /** A failed call is retried sooner than the next renew, so a leader gets several tries before its deadline. */
  private retryMs(): number {
    return Math.max(100, this.settings.renewIntervalMs / 4);
  }

  /** One read and what follows from it; returns the wait before the next one. */
  private async step(): Promise<number> {
    const reading = await this.store.read(this.callSignal(this.settings.renewIntervalMs));
    this.last = reading;
    const decision = decideLease(reading, this.state, this.settings, this.clock.nowMs());
    const landed = decision.state.held;
    if (landed && landed.token !== this.state.held?.token)
      this.confirmed(landed, 'a write whose answer was lost had landed');
    switch (decision.kind) {
      case 'hold':
        this.state = decision.state;
        return decision.nextCheckInMs;
      case 'standby':
        this.state = decision.state;
        this.detail = `standby: ${decision.why}`;
        return decision.nextCheckInMs;
      case 'step-down':
        this.state = decision.state;
        this.steppedDown(decision.why);
        return this.settings.renewIntervalMs;
      case 'acquire':
      case 'renew':
        return this.write(
          reading,
          decision.ifMatchRevision,
          decision.kind === 'acquire' ? decision.why : undefined,
        );
    }
  }

  private async write(
    reading: LeaseReading,
    ifMatchRevision: number,
    acquiring: string | undefined,
  ): Promise<number> {
    const token = randomBytes(8).toString('hex');
    const sentMs = this.clock.nowMs(); // taken BEFORE sending: the deadline can only be early, never late
    const record: LeaseRecord = {
      holder: this.settings.holderId,
      token,
      leaseMs: this.settings.leaseDurationMs,
      until: new Date(this.clock.now().getTime() + this.settings.leaseDurationMs).toISOString(),
      released: false,
    };
    try {
      // The write gives up within confirmDelayMs, so an overlapping write of ours has ended before the other side's confirming read.
      this.last = await this.store.write(
        reading.resourceId,
        ifMatchRevision,
        record,
        this.callSignal(this.confirmDelayMs()),
      );
      // The devcloud's Neutron applied BOTH of two overlapping writes carrying the same If-Match
      // (acceptance devcloud-lease): a 200 alone does not prove we won. A write counts once, after
      // every overlapping write has landed, the lease still carries our token.
      await this.clock.sleep(this.confirmDelayMs(), this.stop.signal);
      const check = await this.store.read(this.callSignal(this.settings.renewIntervalMs));
      this.last = check;
      const landedLater = this.adoptLandedWrite(check);
      if (landedLater !== undefined) return landedLater;
      if (check.record?.holder !== this.settings.holderId || check.record.token !== token) {
        this.detail = `${acquiring ? 'acquire' : 'renew'} on revision ${ifMatchRevision} was overwritten by ${check.record?.holder || 'another contender'} (an overlapping If-Match write Neutron also applied)`;
        this.logger.warn(this.detail);
        if (this.state.held) this.steppedDown(this.detail);
        return this.settings.renewIntervalMs;
      }
    } catch (error) {
      if (!(error instanceof PreconditionFailedError)) {
        // Timed out or failed after sending, or the confirming read failed: Neutron may have
        // applied it. A later reading decides (lease-decision.ts landedWrite).
        const pending = [...(this.state.pending ?? []), { token, sentMs }].slice(
          -MAX_PENDING_WRITES,
        );
        this.state = { ...this.state, pending };
        throw error;
      }
      // Lost the compare-and-set (or our own write was replayed after a lost answer: check).
      const now = await this.store.read(this.callSignal(this.settings.renewIntervalMs));
      this.last = now;
      // The revision moved because an earlier write of ours whose answer was lost landed?
      const landed = this.adoptLandedWrite(now);
      if (landed !== undefined) return landed;
      if (now.record?.holder !== this.settings.holderId || now.record.token !== token) {
        this.detail = `${acquiring ? 'acquire' : 'renew'} lost the compare-and-set on revision ${ifMatchRevision}: ${now.record?.holder || 'another contender'} wrote first`;
        this.logger.log(this.detail);
        if (!acquiring && this.state.held) this.steppedDown(this.detail);
        return acquiring ? this.settings.renewIntervalMs : 0;
      }
    }
    this.confirmed({ token, sentMs }, acquiring ?? 'renewed');
    return Math.max(0, sentMs + this.settings.renewIntervalMs - this.clock.nowMs());
  }

  /**
   * An earlier write of ours whose answer was lost shows in this reading (it landed, maybe after a
   * newer write of ours): it is ours, confirmed. Returns the wait before the next renew, or
   * undefined when the reading carries none of them.
   */
  private adoptLandedWrite(reading: LeaseReading): number | undefined {
    const landed = landedWrite(reading.record, this.state, this.settings);
    if (!landed) return undefined;
    this.confirmed(landed, 'a write whose answer was lost had landed');
    return Math.max(0, landed.sentMs + this.settings.renewIntervalMs - this.clock.nowMs());
  }

  /** A write of ours is confirmed: act until its deadline; the first one elects this controller. */
  private confirmed(held: { token: string; sentMs: number }, how: string): void {
    const wasLeader = this.isLeader();
    this.state = { held };
    this.armDeadline(held.sentMs);
    if (!wasLeader) {
      this.leaderDetail = `leader since ${this.clock.now().toISOString()} (${how})`;
      this.logger.log(
        `elected: ${this.settings.holderId} holds lease "${this.store.leaseName}" (${how}); acting from now on`,
      );
      this.events.emit('elected');
    }
    // Also after a failed call: a confirmed write says all is well again.
    this.detail = this.leaderDetail;
  }

  /** Fires at the acting deadline unless a later renew re-armed it: the step-down even while a call hangs. */
  private armDeadline(sentMs: number): void {
    this.cancelDeadline?.();
    this.cancelDeadline = this.clock.setTimer(
      Math.max(0, actingDeadlineMs(sentMs, this.settings) - this.clock.nowMs()),
      () => {
        if (!this.stop.signal.aborted && !this.isLeader() && this.state.held)
          this.steppedDown(
            'no renew confirmed before the acting deadline (leaseDurationMs - renewIntervalMs after the last confirmed renew was sent)',
          );
      },
    );
  }

  private steppedDown(reason: string): void {
    this.state = { watched: this.state.watched };
    this.cancelDeadline?.();
    this.detail = `stepped down: ${reason}`;
    this.logger.error(
      `lost leadership (${reason}): exiting with code ${LOST_LEADERSHIP_EXIT_CODE} so a supervisor restarts this controller as a standby`,
    );
    this.events.emit('stepped-down', reason);
    this.exit();
  }

  /** Separate so the step-down is visible in one place; the process ends here. */
  protected exit(): void {
    process.exit(LOST_LEADERSHIP_EXIT_CODE);
  }
}
