import type { IncomingHttpHeaders } from 'node:http';
import autocannon from 'autocannon';
import { Agent, Dispatcher } from 'undici';
import { httpRequest } from './http-request';

/** One answer seen by a load client, with the wall-clock time it completed. */
export interface TimedReply {
  readonly status: number;
  /** `X-Instance-Address` of a 200 (which instance served it), else undefined. */
  readonly instanceAddress?: string;
  readonly atMs: number;
  readonly latencyMs: number;
  readonly retryAfter?: string;
  readonly body: string;
}

/**
 * `concurrency` clients, each sending GET / one after another on its own keep-alive connection,
 * until `stop()` or `maxDurationMs` (always bounded). Transport errors are recorded as status 0.
 */
export class ConcurrentClients {
  readonly replies: TimedReply[] = [];
  private stopped = false;
  private readonly agent: Agent;
  private readonly loops: Promise<void>[];

  constructor(
    private readonly host: string,
    private readonly port: number,
    concurrency: number,
    maxDurationMs: number,
  ) {
    this.agent = new Agent({ connections: concurrency });
    const deadlineMs = Date.now() + maxDurationMs;
    this.loops = Array.from({ length: concurrency }, () => this.loop(deadlineMs));
  }

  /** Replies that completed after `sinceMs`. */
  since(sinceMs: number): TimedReply[] {
    return this.replies.filter((reply) => reply.atMs >= sinceMs);
  }

  async stop(): Promise<TimedReply[]> {
    this.stopped = true;
    await Promise.all(this.loops);
    await this.agent.destroy();
    return this.replies;
  }

  private async loop(deadlineMs: number): Promise<void> {
    while (!this.stopped && Date.now() < deadlineMs) {
      this.replies.push(await timedGet(this.host, this.port, this.agent));
    }
  }
}

/** One GET / through `pool` (keep-alive connections) or a fresh connection, never rejecting: a transport error is status 0. */
export async function timedGet(
  host: string,
  port: number,
  pool?: Dispatcher,
  timeoutMs = 30_000,
): Promise<TimedReply> {
  const startedMs = Date.now();
  const done = (status: number, body: string, headers: IncomingHttpHeaders = {}): TimedReply => {
    const atMs = Date.now();
    return {
      status,
      instanceAddress:
        status === 200 ? (headers['x-instance-address'] as string | undefined) : undefined,
      retryAfter: headers['retry-after'] as string | undefined,
      atMs,
      latencyMs: atMs - startedMs,
      body,
    };
  };
  try {
    const reply = await httpRequest(host, port, 'GET', '/', { dispatcher: pool, timeoutMs });
    return done(reply.status, reply.body, reply.headers);
  } catch (error) {
    return done(0, (error as Error).message);
  }
}

/** How many replies each instance served, by `X-Instance-Address`. */
export function countByInstance(replies: readonly TimedReply[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const reply of replies)
    if (reply.instanceAddress)
      counts[reply.instanceAddress] = (counts[reply.instanceAddress] ?? 0) + 1;
  return counts;
}

export interface LoadRun {
  readonly requests: number;
  readonly non2xx: number;
  readonly transportErrors: number;
  readonly statusCounts: Record<string, number>;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  readonly latencyMaxMs: number;
  readonly startedAtMs: number;
  readonly finishedAtMs: number;
  /** Wall-clock completion time and status of every non-2xx answer, in order. */
  readonly non2xxTimeline: ReadonlyArray<{ readonly atMs: number; readonly status: number }>;
  /** Every answer in completion order: when, what, and on which of the load's connections (0-based). */
  readonly answers: ReadonlyArray<LoadAnswer>;
}

export interface LoadAnswer {
  readonly atMs: number;
  readonly status: number;
  readonly connection: number;
}

/** Answers completed before (`'before'`) or after (`'after'`) a moment, e.g. an event recorded by the controller. */
export function answersAround(run: LoadRun, side: 'before' | 'after', atMs: number): number {
  return run.answers.filter((answer) =>
    side === 'before' ? answer.atMs < atMs : answer.atMs > atMs,
  ).length;
}

/**
 * Each connection's statuses in order with repeats collapsed, e.g. `200 503 200`: one connection
 * sends its requests one after another, so this is the order in which it saw the controller's answers.
 */
export function statusRunsPerConnection(run: LoadRun): string[] {
  const runs: number[][] = [];
  for (const answer of run.answers) {
    const seen = (runs[answer.connection] ??= []);
    if (seen[seen.length - 1] !== answer.status) seen.push(answer.status);
  }
  return runs.map((statuses) => statuses.join(' '));
}

/**
 * autocannon against `url` for `durationSeconds` with `connections` connections, at most
 * `overallRate` requests per second in total (a bounded load). `onProgress` is called every second.
 */
export function runLoad(options: {
  url: string;
  connections: number;
  durationSeconds: number;
  overallRate?: number;
  onProgress?: (elapsedSeconds: number, requests: number, non2xx: number) => void;
}): Promise<LoadRun> {
  const startedAtMs = Date.now();
  const non2xxTimeline: Array<{ atMs: number; status: number }> = [];
  const answers: LoadAnswer[] = [];
  const connectionIds = new Map<unknown, number>();
  let requests = 0;
  let transportErrors = 0;
  return new Promise<LoadRun>((resolve, reject) => {
    const progress = setInterval(
      () =>
        options.onProgress?.(
          Math.round((Date.now() - startedAtMs) / 1000),
          requests,
          non2xxTimeline.length,
        ),
      1_000,
    );
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        duration: options.durationSeconds,
        overallRate: options.overallRate,
        timeout: 30,
      },
      (error, result) => {
        clearInterval(progress);
        if (error) {
          reject(error);
          return;
        }
        const statusCounts: Record<string, number> = {};
        for (const [status, stats] of Object.entries(result.statusCodeStats))
          statusCounts[status] = Number(stats.count);
        resolve({
          requests,
          non2xx: result.non2xx,
          transportErrors: Math.max(transportErrors, result.errors),
          statusCounts,
          latencyP50Ms: result.latency.p50,
          latencyP99Ms: result.latency.p99,
          latencyMaxMs: result.latency.max,
          startedAtMs,
          finishedAtMs: Date.now(),
          non2xxTimeline,
          answers,
        });
      },
    );
    instance.on('response', (client, statusCode) => {
      requests++;
      const atMs = Date.now();
      if (!connectionIds.has(client)) connectionIds.set(client, connectionIds.size);
      answers.push({ atMs, status: statusCode, connection: connectionIds.get(client) as number });
      if (statusCode < 200 || statusCode > 299) non2xxTimeline.push({ atMs, status: statusCode });
    });
    instance.on('reqError', () => transportErrors++);
  });
}

/** Figures for the test output, one line. */
export function describeLoad(name: string, run: LoadRun): string {
  const seconds = (run.finishedAtMs - run.startedAtMs) / 1000;
  return (
    `${name}: ${run.requests} requests in ${seconds.toFixed(1)}s (${(run.requests / seconds).toFixed(0)}/s), ` +
    `non-2xx ${run.non2xx}, transport errors ${run.transportErrors}, statuses ${JSON.stringify(run.statusCounts)}, ` +
    `latency p50 ${run.latencyP50Ms} ms, p99 ${run.latencyP99Ms} ms, max ${run.latencyMaxMs} ms`
  );
}
