import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { closeServer, listen, nextLoopbackAddress } from './loopback';

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly rawHeaders: readonly string[];
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  readonly remoteAddress: string;
}

export type BackendHandler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

/** Default answer: 200 `hello from <address>` with `X-Instance-Address`, like the service. */
const helloHandler: BackendHandler = (req, res) => {
  const address = `${req.socket.localAddress}:${req.socket.localPort}`;
  res.writeHead(200, { 'Content-Type': 'text/plain', 'X-Instance-Address': address });
  res.end(`hello from ${address}\n`);
};

/** A real Node HTTP backend on its own loopback address that records what reached it. */
export class RecordingBackend {
  readonly requests: RecordedRequest[] = [];
  readonly sockets = new Set<Socket>();
  /** Connections accepted since start. */
  connectionsAccepted = 0;
  handler: BackendHandler;
  private server!: Server;
  host = '';
  port = 0;

  private constructor(handler: BackendHandler) {
    this.handler = handler;
  }

  static async start(
    handler: BackendHandler = helloHandler,
    keepAliveTimeoutMs = 5_000,
  ): Promise<RecordingBackend> {
    const backend = new RecordingBackend(handler);
    backend.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('error', () => undefined);
      res.on('error', () => undefined);
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('latin1');
        backend.requests.push({
          method: req.method ?? '',
          url: req.url ?? '',
          rawHeaders: req.rawHeaders,
          headers: req.headers,
          body,
          remoteAddress: req.socket.remoteAddress ?? '',
        });
        backend.handler(req, res, body);
      });
    });
    backend.server.keepAliveTimeout = keepAliveTimeoutMs;
    backend.server.on('connection', (socket: Socket) => {
      backend.connectionsAccepted += 1;
      backend.sockets.add(socket);
      socket.on('error', () => undefined);
      socket.once('close', () => backend.sockets.delete(socket));
    });
    const address = await listen(backend.server, nextLoopbackAddress());
    backend.host = address.address;
    backend.port = address.port;
    return backend;
  }

  get id(): string {
    return `backend-${this.host}:${this.port}`;
  }

  asBackend(): { id: string; host: string; port: number } {
    return { id: this.id, host: this.host, port: this.port };
  }

  stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    return closeServer(this.server);
  }
}
