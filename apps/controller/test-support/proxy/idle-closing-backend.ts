import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { closeServer, listen, nextLoopbackAddress } from './loopback';

/**
 * A keep-alive backend that closes each connection `idleCloseMs` after its last answer and does
 * NOT announce it (no `Keep-Alive: timeout=` hint), like many servers and load balancers. A
 * proxy that reuses the connection at that moment meets a reset it must absorb.
 */
export class IdleClosingBackend {
  connections = 0;
  requests = 0;
  host = '';
  port = 0;
  private server!: Server;
  private readonly sockets = new Set<Socket>();

  static async start(idleCloseMs: number): Promise<IdleClosingBackend> {
    const backend = new IdleClosingBackend();
    backend.server = createServer((socket) => {
      backend.connections += 1;
      backend.sockets.add(socket);
      socket.on('error', () => undefined);
      socket.once('close', () => backend.sockets.delete(socket));
      let buffered = '';
      let idleTimer: NodeJS.Timeout | undefined;
      socket.on('data', (chunk: Buffer) => {
        buffered += chunk.toString('latin1');
        let end: number;
        while ((end = buffered.indexOf('\r\n\r\n')) >= 0) {
          buffered = buffered.slice(end + 4);
          backend.requests += 1;
          clearTimeout(idleTimer);
          socket.write('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n');
          idleTimer = setTimeout(() => socket.destroy(), idleCloseMs);
        }
      });
      socket.once('close', () => clearTimeout(idleTimer));
    });
    const address = await listen(backend.server, nextLoopbackAddress());
    backend.host = address.address;
    backend.port = address.port;
    return backend;
  }

  asBackend(): { id: string; host: string; port: number } {
    return { id: 'idle-closing', host: this.host, port: this.port };
  }

  stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    return closeServer(this.server);
  }
}
