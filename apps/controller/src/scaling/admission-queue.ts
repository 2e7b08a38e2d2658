import { LoggerService } from '@nestjs/common';
import { CancelTimer, Clock } from '../clock/clock';
import { TrafficDecision } from '../seams/traffic-director';

export interface AdmissionQueueLimits {
  /** Requests held at most; the next one is refused at once. */
  readonly maxRequests: number;
  /** A held request is refused after waiting this long. */
  readonly maxWaitMs: number;
  /** `Retry-After` of the refusals. */
  readonly retryAfterSeconds: number;
  /** How often a long hold prints a progress line. */
  readonly progressLogIntervalMs: number;
}

/** What happened to held requests since start (for /status and /metrics). */
export interface AdmissionQueueCounters {
  held: number;
  released: number;
  refusedQueueFull: number;
  refusedWaitedTooLong: number;
  refusedShuttingDown: number;
  /** Clients that went away while held: their places were given to others at once. */
  leftWhileHeld: number;
}

interface HeldRequest {
  readonly heldAtMs: number;
  readonly resolve: (decision: TrafficDecision) => void;
  /** Taken off the queue (released, refused or withdrawn): nothing more may happen to it. */
  done: boolean;
}

/**
 * `duringScaleOut: queue`: requests that arrive while no instance is healthy wait here, first in
 * first out, bounded in number and in time, and are handed to the first instance that can take
 * them. All held requests share one wait limit, so the oldest always expires first and a single
 * timer (for the oldest) is enough. Logs one line when holding starts, a progress line while it
 * lasts, and one summary when the queue is empty again; never one line per request.
 */
export class AdmissionQueue {
  readonly counters: AdmissionQueueCounters = {
    held: 0,
    released: 0,
    refusedQueueFull: 0,
    refusedWaitedTooLong: 0,
    refusedShuttingDown: 0,
    leftWhileHeld: 0,
  };
  private held: HeldRequest[] = [];
  /** Index of the oldest request still held (entries before it are done; compacted now and then). */
  private head = 0;
  /** Withdrawn entries after `head`, skipped when they reach it (so withdrawal costs O(1)). */
  private withdrawnBehindHead = 0;
  /** Cancels the one timer on the oldest held request (through the injected Clock). */
  private expiryTimer: CancelTimer | undefined;
  private closed = false;
  private episode:
    | {
        startedMs: number;
        held: number;
        released: number;
        refused: number;
        left: number;
        lastProgressMs: number;
      }
    | undefined;

  constructor(
    private readonly limits: AdmissionQueueLimits,
    private readonly clock: Clock,
    private readonly logger: LoggerService,
  ) {}

  /** Requests waiting now. */
  get length(): number {
    return this.held.length - this.head - this.withdrawnBehindHead;
  }

  /** Hold one request: a `queue` decision, or a 503 at once when the queue is full or closed. */
  hold(): TrafficDecision {
    if (this.closed) {
      this.counters.refusedShuttingDown++;
      return this.refusal('the controller is shutting down');
    }
    if (this.length >= this.limits.maxRequests) {
      this.counters.refusedQueueFull++;
      if (this.episode) this.episode.refused++;
      return this.refusal(
        `no healthy instance and ${this.limits.maxRequests} requests already waiting (traffic.queueMaxRequests)`,
      );
    }
    const nowMs = this.clock.nowMs();
    if (!this.episode) {
      this.episode = {
        startedMs: nowMs,
        held: 0,
        released: 0,
        refused: 0,
        left: 0,
        lastProgressMs: nowMs,
      };
      this.logger.warn(
        `no healthy instance: holding requests for the first instance admitted (at most ${this.limits.maxRequests}, ` +
          `each at most ${seconds(this.limits.maxWaitMs)}; traffic.queueMaxRequests / traffic.queueMaxWaitMs)`,
      );
    }
    this.counters.held++;
    this.episode.held++;
    let resolve!: (decision: TrafficDecision) => void;
    const decision = new Promise<TrafficDecision>((settle) => (resolve = settle));
    const entry: HeldRequest = { heldAtMs: nowMs, resolve, done: false };
    this.held.push(entry);
    if (this.expiryTimer === undefined) this.armExpiry();
    return { kind: 'queue', decision, withdraw: () => this.withdraw(entry) };
  }

  /** The client of a held request left: free its place now rather than when it would expire. */
  private withdraw(entry: HeldRequest): void {
    if (entry.done) return;
    entry.done = true;
    this.withdrawnBehindHead++;
    this.counters.leftWhileHeld++;
    if (this.episode) this.episode.left++;
    entry.resolve(this.refusal('the client left while waiting'));
    this.skipWithdrawn();
    this.afterChange();
  }

  /**
   * Hand held requests, oldest first, to whatever `next()` decides (a forward to an instance);
   * stops at the first undefined (no instance can take more). Returns how many were released.
   */
  release(next: () => TrafficDecision | undefined): number {
    let released = 0;
    while (this.length > 0) {
      const decision = next();
      if (decision === undefined) break;
      this.take().resolve(decision);
      released++;
    }
    if (released > 0) {
      this.counters.released += released;
      if (this.episode) this.episode.released += released;
      this.afterChange();
    }
    return released;
  }

  /** Shutdown: refuse every held request now and every new one from here on. */
  close(): void {
    this.closed = true;
    while (this.length > 0) {
      this.counters.refusedShuttingDown++;
      if (this.episode) this.episode.refused++;
      this.take().resolve(this.refusal('the controller is shutting down'));
    }
    this.afterChange();
  }

  /** The oldest request still held; callers check `length > 0` first. */
  private oldest(): HeldRequest {
    this.skipWithdrawn();
    return this.held[this.head];
  }

  private take(): HeldRequest {
    const request = this.oldest();
    request.done = true;
    this.head++;
    if (this.head > 1024 && this.head * 2 > this.held.length) {
      this.held = this.held.slice(this.head);
      this.head = 0;
    }
    return request;
  }

  private skipWithdrawn(): void {
    while (
      this.withdrawnBehindHead > 0 &&
      this.head < this.held.length &&
      this.held[this.head].done
    ) {
      this.head++;
      this.withdrawnBehindHead--;
    }
  }

  private armExpiry(): void {
    if (this.length === 0) return;
    const oldest = this.oldest();
    const dueInMs = Math.max(0, oldest.heldAtMs + this.limits.maxWaitMs - this.clock.nowMs());
    this.expiryTimer = this.clock.setTimer(dueInMs, () => this.expire());
  }

  private expire(): void {
    this.expiryTimer = undefined;
    const nowMs = this.clock.nowMs();
    let expired = 0;
    // Timers may fire a little early or late; anything within 1 ms of its limit has waited it out.
    while (this.length > 0 && this.oldest().heldAtMs + this.limits.maxWaitMs <= nowMs + 1) {
      this.take().resolve(
        this.refusal(
          `no instance became healthy within ${seconds(this.limits.maxWaitMs)} (traffic.queueMaxWaitMs)`,
        ),
      );
      expired++;
    }
    this.counters.refusedWaitedTooLong += expired;
    if (this.episode) {
      this.episode.refused += expired;
      if (
        this.length > 0 &&
        nowMs - this.episode.lastProgressMs >= this.limits.progressLogIntervalMs
      ) {
        this.episode.lastProgressMs = nowMs;
        this.logger.warn(
          `still no healthy instance after ${seconds(nowMs - this.episode.startedMs)}: ${this.length} request(s) waiting, ` +
            `${this.episode.refused} refused with 503 so far`,
        );
      }
    }
    this.afterChange();
  }

  /** Keep the timer on the oldest held request; summarise the episode once the queue is empty. */
  private afterChange(): void {
    if (this.length === 0) {
      this.expiryTimer?.();
      this.expiryTimer = undefined;
      this.held = [];
      this.head = 0;
      this.withdrawnBehindHead = 0;
      const episode = this.episode;
      if (episode) {
        this.episode = undefined;
        this.logger.log(
          `request queue empty after ${seconds(this.clock.nowMs() - episode.startedMs)}: ${episode.held} held, ` +
            `${episode.released} released to an instance, ${episode.refused} answered 503` +
            (episode.left > 0 ? `, ${episode.left} client(s) left while waiting` : ''),
        );
      }
      return;
    }
    if (this.expiryTimer === undefined) this.armExpiry();
  }

  private refusal(reason: string): TrafficDecision {
    return {
      kind: 'reject',
      retryAfterSeconds: this.limits.retryAfterSeconds,
      reason: `${reason}, retry shortly`,
    };
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}
