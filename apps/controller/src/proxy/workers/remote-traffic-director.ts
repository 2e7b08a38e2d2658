import type {
  Backend,
  RequestInfo,
  TrafficDecision,
  TrafficDirector,
  UpstreamOutcome,
} from '../traffic-director';
import type { DecisionMessage, WorkerBatchItem } from './worker-protocol';

/** A backend handed out by the controller, with the lease its settle must name. */
interface LeasedBackend extends Backend {
  readonly lease: number;
}

const CONTROL_PLANE_GONE: TrafficDecision = {
  kind: 'reject',
  retryAfterSeconds: 1,
  reason: 'control plane unavailable',
};

/**
 * The TrafficDirector of a proxy worker: every admission is asked of the controller, so the
 * request-count trigger, the scaling gate and in-flight counts stay one state for all workers.
 * The answer arrives asynchronously, so `admit` returns a `queue` decision whose promise is the
 * controller's answer (the attempt engine already holds requests on one, and withdraws a client
 * that leaves meanwhile). `alternative` has no synchronous answer here: a retry goes to the same
 * backend (see README, "Workers").
 */
export class RemoteTrafficDirector implements TrafficDirector {
  private nextId = 1;
  private readonly pending = new Map<number, (decision: TrafficDecision) => void>();
  private connected = true;

  /** `send` queues a message for the worker's next batch (proxy-worker.ts). */
  constructor(private readonly send: (message: WorkerBatchItem) => void) {}

  admit(request: RequestInfo): TrafficDecision {
    if (!this.connected) return CONTROL_PLANE_GONE;
    const id = this.nextId++;
    const decision = new Promise<TrafficDecision>((resolve) => this.pending.set(id, resolve));
    this.send({
      t: 'admit',
      id,
      method: request.method,
      path: request.path,
      remoteAddress: request.remoteAddress,
    });
    return {
      kind: 'queue',
      decision,
      // The controller answers a withdrawn request too (a reject), so nothing stays pending.
      withdraw: () => {
        if (this.pending.has(id)) this.send({ t: 'withdraw', id });
      },
    };
  }

  alternative(): Backend | undefined {
    return undefined;
  }

  settle(backend: Backend, outcome: UpstreamOutcome, durationMs: number): void {
    this.send({ t: 'settle', lease: (backend as LeasedBackend).lease, outcome, durationMs });
  }

  /** The controller's answer to one admit. */
  onDecision(message: DecisionMessage): void {
    const resolve = this.pending.get(message.id);
    if (resolve === undefined) return;
    this.pending.delete(message.id);
    const { decision } = message;
    if (decision.kind === 'forward') {
      const backend: LeasedBackend = { ...decision.backend, lease: message.id };
      resolve({ kind: 'forward', backend });
    } else {
      resolve({
        kind: 'reject',
        retryAfterSeconds: decision.retryAfterSeconds,
        reason: decision.reason,
      });
    }
  }

  /** The controller is gone: every pending and later request is answered 503. */
  disconnected(): void {
    this.connected = false;
    for (const resolve of this.pending.values()) resolve(CONTROL_PLANE_GONE);
    this.pending.clear();
  }
}
