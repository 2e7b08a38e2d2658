import type { ProxyExchangeEvent } from '../exchange';
import type { UpstreamOutcome } from '../traffic-director';

/**
 * The messages between a proxy worker and the controller process (node:cluster IPC). The
 * control plane stays in the controller: every admission is decided there, in arrival order, by
 * the one TrafficDirector, so counts, the scaling gate and in-flight figures stay one state.
 *
 * worker -> controller: admit (one per client request), withdraw (the client left while the
 * answer was pending), settle (once per forward lease), report (exchange events and in-flight
 * count, batched), listening / failed (start-up).
 * controller -> worker: decision (one per admit), shutdown (drain and exit).
 *
 * Admits, withdraws, settles, reports and decisions travel in batches (`BatchMessage`), one IPC
 * message per event-loop turn and direction: a message per item made the 2-worker proxy cost
 * 134 µs CPU/request against 58 for one process (bench/proxy --ours-workers 2), batched 116.
 */

export interface AdmitMessage {
  readonly t: 'admit';
  /** Unique per worker; also the lease id of a `forward` answer. */
  readonly id: number;
  readonly method: string;
  readonly path: string;
  readonly remoteAddress: string;
}

export interface WithdrawMessage {
  readonly t: 'withdraw';
  readonly id: number;
}

export interface SettleMessage {
  readonly t: 'settle';
  readonly lease: number;
  readonly outcome: UpstreamOutcome;
  readonly durationMs: number;
}

export interface ReportMessage {
  readonly t: 'report';
  readonly inFlight: number;
  readonly events: readonly ProxyExchangeEvent[];
}

export interface ListeningMessage {
  readonly t: 'listening';
  readonly address: string;
  readonly family: string;
  readonly port: number;
}

export interface FailedMessage {
  readonly t: 'failed';
  readonly message: string;
}

/** What a worker batches (everything but its start-up messages). */
export type WorkerBatchItem = AdmitMessage | WithdrawMessage | SettleMessage | ReportMessage;

export interface BatchMessage<Item> {
  readonly t: 'batch';
  readonly items: readonly Item[];
}

export type WorkerMessage = BatchMessage<WorkerBatchItem> | ListeningMessage | FailedMessage;

/** The controller's answer to one admit: never `queue` (the controller waits out queues itself). */
export type RemoteDecision =
  | {
      readonly kind: 'forward';
      readonly backend: { readonly id: string; readonly host: string; readonly port: number };
    }
  | { readonly kind: 'reject'; readonly retryAfterSeconds: number; readonly reason: string };

export interface DecisionMessage {
  readonly t: 'decision';
  readonly id: number;
  readonly decision: RemoteDecision;
}

export interface ShutdownMessage {
  readonly t: 'shutdown';
}

export type ControllerMessage = BatchMessage<DecisionMessage> | ShutdownMessage;

/** Environment variable carrying the worker's ProxyConfig (JSON; the proxy section holds no secrets). */
export const WORKER_CONFIG_ENV = 'OSA_PROXY_WORKER_CONFIG';

/** True for a message of this protocol (a worker may receive other IPC, e.g. cluster's own). */
export function isProtocolMessage(message: unknown): message is { t: string } {
  return (
    typeof message === 'object' &&
    message !== null &&
    typeof (message as { t?: unknown }).t === 'string'
  );
}
