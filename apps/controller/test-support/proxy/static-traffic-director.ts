import type {
  Backend,
  RequestInfo,
  TrafficDecision,
  TrafficDirector,
  UpstreamOutcome,
} from '../../src/proxy/traffic-director';

export interface SettleRecord {
  readonly backendId: string;
  readonly outcome: UpstreamOutcome;
  readonly durationMs: number;
}

/**
 * A small, real TrafficDirector for proxy tests (the control plane provides the production one):
 * forwards round-robin over a fixed backend list, or rejects while `rejectReason` is set, and
 * records every call so tests can check the seam's contract (one settle per backend handed out).
 */
export class StaticTrafficDirector implements TrafficDirector {
  readonly admitted: RequestInfo[] = [];
  readonly handedOut: Backend[] = [];
  readonly settles: SettleRecord[] = [];
  rejectReason: string | undefined;
  /** When set, `admit` answers with a queue decision resolved by the test. */
  queueNext: Promise<TrafficDecision> | undefined;
  /** How many held requests were withdrawn because their client left. */
  withdrawn = 0;
  /** Observer of every settle (the child-process harness relays them to the test). */
  onSettle: ((record: SettleRecord) => void) | undefined;
  private nextIndex = 0;

  constructor(public backends: Backend[]) {}

  admit(request: RequestInfo): TrafficDecision {
    this.admitted.push(request);
    if (this.rejectReason !== undefined) {
      return { kind: 'reject', retryAfterSeconds: 2, reason: this.rejectReason };
    }
    if (this.queueNext !== undefined) {
      const decision = this.queueNext;
      this.queueNext = undefined;
      // As in the production queue, a withdrawal after the decision settled is a no-op.
      let settled = false;
      const markSettled = (): void => {
        settled = true;
      };
      void decision.then(markSettled, markSettled); // a failed decision has settled too
      return { kind: 'queue', decision, withdraw: () => void (settled || this.withdrawn++) };
    }
    return this.forward(this.pick());
  }

  forward(backend: Backend): TrafficDecision {
    this.handedOut.push(backend);
    return { kind: 'forward', backend };
  }

  alternative(failed: Backend): Backend | undefined {
    const other = this.backends.find((b) => b.id !== failed.id);
    if (other !== undefined) this.handedOut.push(other);
    return other;
  }

  settle(backend: Backend, outcome: UpstreamOutcome, durationMs: number): void {
    const record = { backendId: backend.id, outcome, durationMs };
    this.settles.push(record);
    this.onSettle?.(record);
  }

  /** Backends handed out and not settled yet (must reach 0 when traffic stops). */
  outstanding(): number {
    return this.handedOut.length - this.settles.length;
  }

  private pick(): Backend {
    const backend = this.backends[this.nextIndex % this.backends.length];
    this.nextIndex += 1;
    return backend;
  }
}
