import { Agent } from 'undici';
import { TimedReply, timedGet } from './traffic-load';

/**
 * Requests at a steady rate (one every 1000/rate ms, whatever the answers take), so a test sets
 * the load a requests-per-second policy sees. Bounded: at most `maxInFlight` outstanding and
 * never past `maxDurationMs`. `setRate(0)` pauses it.
 */
export class PacedLoad {
  readonly replies: TimedReply[] = [];
  private readonly agent = new Agent({ connections: 64 });
  private readonly pending = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private readonly deadlineMs: number;

  constructor(
    private readonly host: string,
    private readonly port: number,
    ratePerSecond: number,
    maxDurationMs: number,
    private readonly maxInFlight = 50,
  ) {
    this.deadlineMs = Date.now() + maxDurationMs;
    this.setRate(ratePerSecond);
  }

  setRate(ratePerSecond: number): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (ratePerSecond <= 0) return;
    this.timer = setInterval(() => this.fire(), 1000 / ratePerSecond);
  }

  async stop(): Promise<TimedReply[]> {
    this.setRate(0);
    await Promise.all([...this.pending]);
    await this.agent.destroy();
    return this.replies;
  }

  private fire(): void {
    if (Date.now() > this.deadlineMs) return this.setRate(0);
    if (this.pending.size >= this.maxInFlight) return;
    const request: Promise<void> = timedGet(this.host, this.port, this.agent).then((reply) => {
      this.replies.push(reply);
      this.pending.delete(request);
    });
    this.pending.add(request);
  }
}
