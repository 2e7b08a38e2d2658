import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Clock, CLOCK } from '../clock/clock';
import { ProxyExchangeEvent, ProxyServer } from '../proxy';
import { p99, TrafficSample } from './refresh-decisions';

interface Answer {
  readonly atMs: number;
  readonly backendId: string;
  readonly error: boolean;
  readonly durationMs: number;
}

/** More than a window of a busy controller needs; older answers are dropped first. */
const MAX_ANSWERS = 200_000;

/**
 * What clients got from each instance while a canary is judged: hung on the proxy's `exchange`
 * event (one per client request, with the status sent and the backend), recording only while
 * `start`ed. An error is a 5xx or a transport failure; a client that went away says nothing
 * about the backend and is not counted.
 */
@Injectable()
export class CanaryObserver implements OnApplicationBootstrap, OnModuleDestroy {
  private answers: Answer[] = [];
  private recording = false;
  private readonly onExchange = (event: ProxyExchangeEvent): void => {
    if (
      !this.recording ||
      event.backendId === undefined ||
      event.outcome === 'client-aborted' ||
      event.outcome === 'local'
    )
      return;
    const error = event.status === 0 || event.status >= 500 || event.outcome !== 'ok';
    this.answers.push({
      atMs: this.clock.nowMs(),
      backendId: event.backendId,
      error,
      durationMs: event.durationMs,
    });
    if (this.answers.length > MAX_ANSWERS)
      this.answers.splice(0, this.answers.length - MAX_ANSWERS);
  };

  constructor(
    // The data path's one ProxyServer, through DataPathModule (no look-up across the graph).
    private readonly proxy: ProxyServer,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    this.proxy.on('exchange', this.onExchange);
  }

  onModuleDestroy(): void {
    this.proxy.off('exchange', this.onExchange);
  }

  start(): void {
    this.answers = [];
    this.recording = true;
  }

  stop(): void {
    this.recording = false;
    this.answers = [];
  }

  /** The canary's answers and everyone else's since `sinceMs` (the same window for both). */
  compare(canaryId: string, sinceMs: number): { canary: TrafficSample; baseline: TrafficSample } {
    const canary: Answer[] = [];
    const baseline: Answer[] = [];
    for (const answer of this.answers) {
      if (answer.atMs < sinceMs) continue;
      (answer.backendId === canaryId ? canary : baseline).push(answer);
    }
    return { canary: summarise(canary), baseline: summarise(baseline) };
  }
}

function summarise(answers: readonly Answer[]): TrafficSample {
  return {
    requests: answers.length,
    errors: answers.filter((answer) => answer.error).length,
    p99Ms: p99(answers.map((answer) => answer.durationMs)),
  };
}
