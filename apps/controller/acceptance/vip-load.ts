/** Client load through a load balancer's VIP for the Octavia acceptance suites (loopback only, bounded). */
import { httpGet } from '../e2e/support/http-get';
import { assertLoopback } from './devcloud-seed-support';

/** Sequential GETs through the VIP from a few clients until stopped: every answer's status and instance. */
export class VipLoad {
  readonly answers: Array<{ atMs: number; status: number; instance: string }> = [];
  readonly failures: string[] = [];
  private readonly failedAt: number[] = [];
  private running = true;
  private readonly loops: Promise<void>[];

  constructor(host: string, port: number, clients: number) {
    assertLoopback(host, 'VIP');
    this.loops = Array.from({ length: clients }, async () => {
      // Bounded: at most 2,000 requests per client, whatever happens.
      for (let i = 0; this.running && i < 2_000; i++) {
        try {
          // Generous: the shared 2-core machine may be loaded; a request that gets no answer is a failure.
          const reply = await httpGet(host, port, '/work', 30_000);
          this.answers.push({
            atMs: Date.now(),
            status: reply.status,
            instance: String(reply.headers['x-instance-address'] ?? ''),
          });
        } catch (error) {
          this.failures.push((error as Error).message);
          this.failedAt.push(Date.now());
        }
      }
    });
  }

  /** e.g. "200 127.200.0.5:5000: 310, 503 : 12" (for a failing step's message). */
  summary(sinceMs = 0): string {
    const counts = new Map<string, number>();
    for (const a of this.answers)
      if (a.atMs >= sinceMs)
        counts.set(`${a.status} ${a.instance}`, (counts.get(`${a.status} ${a.instance}`) ?? 0) + 1);
    return (
      [...counts].map(([k, n]) => `${k}: ${n}`).join(', ') +
      (this.failures.length ? `; failures: ${this.failures.slice(0, 3).join(' | ')}` : '')
    );
  }

  /** Non-2xx answers and failed requests, all of them or those that ended within [sinceMs, untilMs). */
  nonOk(sinceMs = 0, untilMs = Number.POSITIVE_INFINITY): number {
    const within = (atMs: number): boolean => atMs >= sinceMs && atMs < untilMs;
    return (
      this.answers.filter((a) => within(a.atMs) && (a.status < 200 || a.status > 299)).length +
      this.failedAt.filter(within).length
    );
  }

  /** Answers that ended within [sinceMs, untilMs). */
  count(sinceMs = 0, untilMs = Number.POSITIVE_INFINITY): number {
    return (
      this.answers.filter((a) => a.atMs >= sinceMs && a.atMs < untilMs).length +
      this.failedAt.filter((at) => at >= sinceMs && at < untilMs).length
    );
  }

  firstFrom(instance: string, afterMs: number): number | undefined {
    return this.answers.find((a) => a.instance === instance && a.atMs >= afterMs)?.atMs;
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }
}
