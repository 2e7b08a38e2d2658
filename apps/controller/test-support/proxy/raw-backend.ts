import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { closeServer, listen, nextLoopbackAddress } from './loopback';

/**
 * A backend that answers with literal bytes (headers Node's own server would refuse to send,
 * resets, garbage). `respond` gets each request head and the socket, and writes what it likes.
 * Requests are assumed bodiless.
 */
export class RawBackend {
  readonly heads: string[] = [];
  readonly sockets = new Set<Socket>();
  host = '';
  port = 0;
  private server!: Server;

  static async start(respond: (head: string, socket: Socket) => void): Promise<RawBackend> {
    const backend = new RawBackend();
    backend.server = createServer((socket) => {
      backend.sockets.add(socket);
      socket.on('error', () => undefined);
      socket.once('close', () => backend.sockets.delete(socket));
      let buffered = '';
      socket.on('data', (chunk: Buffer) => {
        buffered += chunk.toString('latin1');
        let end: number;
        while ((end = buffered.indexOf('\r\n\r\n')) >= 0) {
          const head = buffered.slice(0, end);
          buffered = buffered.slice(end + 4);
          backend.heads.push(head);
          if (!socket.destroyed) respond(head, socket);
        }
      });
    });
    const address = await listen(backend.server, nextLoopbackAddress());
    backend.host = address.address;
    backend.port = address.port;
    return backend;
  }

  asBackend(id = 'raw'): { id: string; host: string; port: number } {
    return { id, host: this.host, port: this.port };
  }

  stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    return closeServer(this.server);
  }
}

/** The request path from a raw request head (`GET /x HTTP/1.1` -> `/x`). */
export function pathOf(head: string): string {
  return head.split(' ')[1] ?? '';
}
