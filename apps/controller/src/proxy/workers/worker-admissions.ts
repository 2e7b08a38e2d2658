import { MAX_QUEUE_HOPS } from '../attempt-engine';
import type {
  Backend,
  TrafficDecision,
  TrafficDirector,
  UpstreamOutcome,
} from '../traffic-director';
import type { AdmitMessage, DecisionMessage, RemoteDecision } from './worker-protocol';

const NO_BACKEND: RemoteDecision = {
  kind: 'reject',
  retryAfterSeconds: 1,
  reason: 'no backend became available',
};
const WITHDRAWN: RemoteDecision = { kind: 'reject', retryAfterSeconds: 1, reason: 'withdrawn' };

/**
 * The controller's side of one proxy worker: its admits go to the one TrafficDirector in the
 * order they arrive (so the count trigger fires at the configured request whichever worker
 * carries it, and a closed gate answers every worker at once); queued decisions are waited out
 * here and only the final forward/reject goes back; every forward is a lease that is settled
 * exactly once, by the worker or, when the worker dies, here.
 */
export class WorkerAdmissions {
  private readonly leases = new Map<number, Backend>();
  private readonly queued = new Map<number, () => void>();
  private gone = false;

  constructor(
    private readonly director: TrafficDirector,
    private readonly reply: (message: DecisionMessage) => void,
  ) {}

  /** Backends this worker holds (forwarded, not yet settled). */
  get leaseCount(): number {
    return this.leases.size;
  }

  admit(message: AdmitMessage): void {
    let decision: TrafficDecision;
    try {
      decision = this.director.admit({
        method: message.method,
        path: message.path,
        remoteAddress: message.remoteAddress,
      });
    } catch (error) {
      this.answer(message.id, {
        kind: 'reject',
        retryAfterSeconds: 1,
        reason: `internal proxy error: ${error instanceof Error ? error.message : String(error)}`,
      });
      return;
    }
    this.decide(message.id, decision, 0);
  }

  /** The worker's client left while its admission was pending. */
  withdraw(id: number): void {
    const withdraw = this.queued.get(id);
    if (withdraw === undefined) return;
    this.queued.delete(id);
    withdraw();
    this.answer(id, WITHDRAWN);
  }

  settle(lease: number, outcome: UpstreamOutcome, durationMs: number): void {
    const backend = this.leases.get(lease);
    if (backend === undefined) return; // settled already (e.g. after the worker was declared gone)
    this.leases.delete(lease);
    this.director.settle(backend, outcome, durationMs);
  }

  /**
   * The worker process ended: its queued requests give their place up and its leases go back
   * (as `client-aborted`: a dead worker says nothing about the backend's fitness).
   */
  workerGone(): void {
    this.gone = true;
    for (const withdraw of this.queued.values()) withdraw();
    this.queued.clear();
    for (const backend of this.leases.values()) this.director.settle(backend, 'client-aborted', 0);
    this.leases.clear();
  }

  private decide(id: number, decision: TrafficDecision, hops: number): void {
    switch (decision.kind) {
      case 'forward':
        this.leases.set(id, decision.backend);
        this.answer(id, {
          kind: 'forward',
          backend: {
            id: decision.backend.id,
            host: decision.backend.host,
            port: decision.backend.port,
          },
        });
        return;
      case 'reject':
        this.answer(id, {
          kind: 'reject',
          retryAfterSeconds: decision.retryAfterSeconds,
          reason: decision.reason,
        });
        return;
      case 'queue':
        if (hops >= MAX_QUEUE_HOPS) {
          this.answer(id, NO_BACKEND);
          return;
        }
        this.queued.set(id, decision.withdraw);
        decision.decision.then(
          (next) => this.afterQueue(id, next, hops + 1),
          () => this.afterQueue(id, undefined, hops + 1),
        );
    }
  }

  private afterQueue(id: number, next: TrafficDecision | undefined, hops: number): void {
    const stillWaiting = this.queued.delete(id);
    if (!stillWaiting || this.gone) {
      // Withdrawn (already answered) or the worker died: a backend handed out now goes back.
      if (next?.kind === 'forward') this.director.settle(next.backend, 'client-aborted', 0);
      return;
    }
    if (next === undefined) this.answer(id, NO_BACKEND);
    else this.decide(id, next, hops);
  }

  private answer(id: number, decision: RemoteDecision): void {
    if (!this.gone) this.reply({ t: 'decision', id, decision });
  }
}
