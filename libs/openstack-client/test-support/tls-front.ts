/**
 * A TLS-terminating front for an http test server (the fake OpenStack): an https server on its
 * own loopback address that forwards every request to `backendOrigin` and rewrites the backend's
 * origin to its own in response bodies and headers, so the Keystone catalog lists https
 * endpoints and every call of a client goes through TLS. Counts requests and handshake failures.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';

export interface TlsFrontOptions {
  /** Loopback address to listen on (its own 127.x.y.z). */
  host: string;
  key: string;
  /** PEM certificate chain the server presents (the leaf, optionally followed by its CA). */
  cert: string;
  /** e.g. http://127.0.0.1:41234 */
  backendOrigin: string;
}

export class TlsFront {
  /** Requests forwarded to the backend. */
  requests = 0;
  /** TCP connections accepted (each TLS handshake attempt is one). */
  connections = 0;
  /** TLS handshakes that failed (e.g. a client refusing our certificate), with their error codes. */
  readonly handshakeFailures: string[] = [];
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: https.Server,
    readonly origin: string,
  ) {}

  static async start(options: TlsFrontOptions): Promise<TlsFront> {
    const server = https.createServer({ key: options.key, cert: options.cert });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, options.host, () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const front = new TlsFront(server, `https://${options.host}:${port}`);
    front.attach(options.backendOrigin);
    return front;
  }

  /** Auth URL of the fake behind us, as a client must be given it. */
  authUrl(): string {
    return `${this.origin}/identity`;
  }

  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  private attach(backendOrigin: string): void {
    const rewrite = (text: string): string => text.split(backendOrigin).join(this.origin);
    this.server.on('connection', (socket: Socket) => {
      this.connections++;
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    this.server.on('tlsClientError', (error: NodeJS.ErrnoException) => {
      this.handshakeFailures.push(error.code ?? error.message);
    });
    this.server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      this.requests++;
      const target = new URL(req.url ?? '/', backendOrigin);
      const headers = { ...req.headers, host: target.host };
      const upstream = http.request(
        target,
        { method: req.method, headers, agent: false },
        (answer) => {
          const chunks: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => chunks.push(chunk));
          answer.on('error', () => res.destroy());
          answer.on('end', () => {
            const body = Buffer.from(rewrite(Buffer.concat(chunks).toString('utf8')));
            const outHeaders: http.OutgoingHttpHeaders = {};
            for (const [name, value] of Object.entries(answer.headers)) {
              if (value === undefined || name === 'transfer-encoding' || name === 'connection')
                continue;
              outHeaders[name] = typeof value === 'string' ? rewrite(value) : value;
            }
            outHeaders['content-length'] = String(body.length);
            res.writeHead(answer.statusCode ?? 502, outHeaders);
            res.end(body);
          });
        },
      );
      upstream.on('error', () => {
        if (!res.headersSent) res.writeHead(502);
        res.end();
      });
      req.pipe(upstream);
    });
  }
}
