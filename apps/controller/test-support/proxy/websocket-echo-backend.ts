import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { Socket } from 'node:net';
import { closeServer, listen, nextLoopbackAddress } from './loopback';

/** RFC 6455 §4.2.2: Sec-WebSocket-Accept = base64(SHA-1(key + GUID)). */
export function webSocketAccept(key: string): string {
  return createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC11D65`).digest('base64');
}

/**
 * A backend that completes the WebSocket handshake and then echoes every byte back (the proxy
 * tunnels bytes, so frame parsing is not needed to prove the tunnel). `/refuse` answers 403.
 */
export class WebSocketEchoBackend {
  readonly upgradeHeaders: IncomingHttpHeaders[] = [];
  readonly tunnels = new Set<Socket>();
  host = '';
  port = 0;
  private server!: Server;

  static async start(): Promise<WebSocketEchoBackend> {
    const backend = new WebSocketEchoBackend();
    backend.server = createServer((_req, res) => res.end('plain http\n'));
    backend.server.on('upgrade', (req, socket: Socket, head: Buffer) => {
      socket.on('error', () => undefined);
      backend.upgradeHeaders.push(req.headers);
      if (req.url === '/refuse') {
        socket.end(
          'HTTP/1.1 403 Forbidden\r\nContent-Length: 8\r\nConnection: close\r\n\r\nrefused\n',
        );
        return;
      }
      socket.write(
        'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          `Sec-WebSocket-Accept: ${webSocketAccept(String(req.headers['sec-websocket-key']))}\r\n\r\n`,
      );
      backend.tunnels.add(socket);
      socket.once('close', () => backend.tunnels.delete(socket));
      if (head.length > 0) socket.write(head);
      socket.pipe(socket);
    });
    const address = await listen(backend.server, nextLoopbackAddress());
    backend.host = address.address;
    backend.port = address.port;
    return backend;
  }

  asBackend(): { id: string; host: string; port: number } {
    return { id: 'ws-backend', host: this.host, port: this.port };
  }

  stop(): Promise<void> {
    for (const socket of this.tunnels) socket.destroy();
    return closeServer(this.server);
  }
}
