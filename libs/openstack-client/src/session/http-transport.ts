import * as http from 'node:http';
import * as https from 'node:https';
import { Readable } from 'node:stream';
import { describeTlsFailure } from './tls-failure';

export interface HttpTransportOptions {
  /** PEM CA bundle contents. When set, only these CAs are trusted for https (like OS_CACERT). */
  ca?: string | Buffer;
  /** Skip certificate verification (OS_INSECURE). Scoped to our own agent, never process-wide. */
  insecure: boolean;
  /** Largest response body we buffer (console output, lists); bigger answers fail cleanly. */
  maxResponseBytes?: number;
}

export interface RawRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: Buffer | Readable;
  timeoutMs: number;
  /** Aborting destroys the request (and its socket) at once; the promise rejects with kind `aborted`. */
  signal?: AbortSignal;
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** Why a request produced no response; the session turns this into a typed OpenStackError. */
export class TransportFailure extends Error {
  constructor(
    /** `tls`: the certificate or handshake was refused; permanent for this setup, never retried. */
    readonly kind: 'timeout' | 'connection' | 'too-large' | 'tls' | 'aborted',
    readonly code: string | undefined,
    message: string,
    /** True when a keep-alive socket was reset before the server saw the request (safe to resend). */
    readonly staleReusedSocket = false,
  ) {
    super(message);
  }
}

const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

/**
 * Plain node:http/node:https with our own keep-alive agents, so OS_CACERT and OS_INSECURE apply
 * to this client only (never NODE_TLS_REJECT_UNAUTHORIZED). One deadline covers connect, send,
 * headers and body.
 */
export class HttpTransport {
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;
  private readonly maxResponseBytes: number;

  constructor(options: HttpTransportOptions) {
    this.httpAgent = new http.Agent({ keepAlive: true, maxSockets: 32 });
    this.httpsAgent = new https.Agent({
      keepAlive: true,
      maxSockets: 32,
      ca: options.ca,
      rejectUnauthorized: !options.insecure,
    });
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  }

  send(request: RawRequest): Promise<RawResponse> {
    const isHttps = request.url.protocol === 'https:';
    const lib = isHttps ? https : http;
    const signal = request.signal;
    if (signal?.aborted)
      return Promise.reject(new TransportFailure('aborted', 'ABORT_ERR', 'aborted before sending'));
    return new Promise<RawResponse>((resolve, reject) => {
      let settled = false;
      const finish = (error: TransportFailure | undefined, response?: RawResponse): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve(response as RawResponse);
      };
      const req = lib.request(
        request.url,
        {
          method: request.method,
          headers: request.headers,
          agent: isHttps ? this.httpsAgent : this.httpAgent,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > this.maxResponseBytes) {
              req.destroy();
              finish(
                new TransportFailure(
                  'too-large',
                  undefined,
                  `response body exceeds ${this.maxResponseBytes} bytes`,
                ),
              );
              return;
            }
            chunks.push(chunk);
          });
          res.on('end', () =>
            finish(undefined, {
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks),
            }),
          );
          res.on('error', (err: NodeJS.ErrnoException) =>
            finish(
              new TransportFailure('connection', err.code, `response interrupted: ${err.message}`),
            ),
          );
          res.on('aborted', () =>
            finish(
              new TransportFailure('connection', 'ECONNRESET', 'response aborted by the server'),
            ),
          );
        },
      );
      const timer = setTimeout(() => {
        finish(
          new TransportFailure(
            'timeout',
            'ETIMEDOUT',
            `no complete answer within ${request.timeoutMs} ms`,
          ),
        );
        req.destroy();
      }, request.timeoutMs);
      // Destroy, not just stop listening: the socket closes and the server sees the request go.
      const onAbort = (): void => {
        finish(new TransportFailure('aborted', 'ABORT_ERR', 'aborted by the caller'));
        req.destroy();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      req.on('error', (err: NodeJS.ErrnoException) => {
        const tls = isHttps ? describeTlsFailure(err.code, err.message) : undefined;
        if (tls) {
          finish(new TransportFailure('tls', err.code, tls));
          return;
        }
        // Node's advice for keep-alive: a reset on a reused socket before any answer means the
        // server closed the idle connection; resending is safe even for POST.
        const stale = req.reusedSocket && err.code === 'ECONNRESET';
        finish(new TransportFailure('connection', err.code, err.message, stale));
      });
      if (request.body instanceof Readable) {
        request.body.on('error', (err) => {
          finish(
            new TransportFailure(
              'connection',
              undefined,
              `request body stream failed: ${err.message}`,
            ),
          );
          req.destroy();
        });
        request.body.pipe(req);
      } else {
        req.end(request.body);
      }
    });
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}
