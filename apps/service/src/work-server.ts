// The /work HTTP server: the seed's Flask app (section 8) on Node's own http module, plus a
// health endpoint, an identity header and a graceful stop. It must run on Node 10 (Ubuntu 20.04's
// apt package), so it uses no API newer than that (no closeIdleConnections, no AbortController).
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';

/**
 * Idle keep-alive sockets are closed after 65 s. The controller's upstream agent MUST use a
 * shorter idle timeout (e.g. 60 s or less): otherwise the agent may reuse a socket at the moment
 * this server closes it, and the request fails with ECONNRESET.
 */
export const SERVER_KEEP_ALIVE_TIMEOUT_MS = 65000;
// Must exceed the keep-alive timeout, or Node (10.14-17) may drop a reused socket with a 408.
const SERVER_HEADERS_TIMEOUT_MS = SERVER_KEEP_ALIVE_TIMEOUT_MS + 1000;

export interface WorkServerOptions {
  /** How long GET /work waits before answering. */
  workDelayMs: number;
  /** Name used in the /work body; defaults to os.hostname(), like the seed's socket.gethostname(). */
  hostname?: string;
  /** Called for each client-side protocol error (malformed request); defaults to ignoring them. */
  onClientError?: (message: string) => void;
}

export interface ListeningAddress {
  address: string;
  port: number;
  /** `ip:port`, with IPv6 addresses in brackets. */
  display: string;
}

export interface ShutdownSummary {
  /** Requests in flight when close() was called. */
  inFlightAtClose: number;
  /** Requests still running when the grace period ran out (or forceClose() was called). */
  cutOff: number;
  /** True when the grace period ran out or forceClose() was called. */
  forced: boolean;
  elapsedMs: number;
}

export interface WorkServer {
  listen(port: number, host: string): Promise<ListeningAddress>;
  /**
   * Stops accepting connections, closes idle keep-alive sockets, lets in-flight requests finish
   * (their responses carry `Connection: close`) and resolves once every socket is gone. After
   * `graceMs` the remaining sockets are destroyed. Calling it again returns the same promise.
   */
  close(graceMs: number): Promise<ShutdownSummary>;
  /** During close(): cut off the remaining requests now instead of waiting for the grace period. */
  forceClose(): void;
  readonly inFlight: number;
  /** GET /work requests counted so far (the number in the last /work body). */
  readonly workCount: number;
}

const ALLOWED_METHODS = 'GET, HEAD';

/** `ip:port` of one end of a socket, IPv4-mapped IPv6 (`::ffff:10.0.0.5`) shown as plain IPv4. */
export function formatSocketAddress(address: string, port: number): string {
  const ip = address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
  return net.isIPv6(ip) ? `[${ip}]:${port}` : `${ip}:${port}`;
}

export function createWorkServer(options: WorkServerOptions): WorkServer {
  const hostname = options.hostname !== undefined ? options.hostname : os.hostname();
  const startedAt = Date.now();
  let workCount = 0;
  let stopping: Promise<ShutdownSummary> | undefined;
  let forceNow: (() => void) | undefined;

  // Per open socket: how many of its requests are still being answered (0 = idle keep-alive).
  const activeRequestsBySocket = new Map<net.Socket, number>();
  const activeResponses = new Set<http.ServerResponse>();

  const server = http.createServer((req, res) => {
    const socket = req.socket;
    activeRequestsBySocket.set(socket, (activeRequestsBySocket.get(socket) || 0) + 1);
    activeResponses.add(res);
    let settled = false;
    const settle = (): void => {
      if (settled) return;
      settled = true;
      activeResponses.delete(res);
      const active = activeRequestsBySocket.get(socket);
      // Absent once the socket has closed: nothing left to count.
      if (active !== undefined) activeRequestsBySocket.set(socket, active - 1);
    };
    // 'finish': the response went out; 'close' without 'finish': the client went away.
    res.on('finish', settle);
    res.on('close', settle);
    // A client that disconnects mid-request must never turn into an unhandled 'error' event.
    req.on('error', () => undefined);
    res.on('error', () => undefined);
    if (stopping) res.setHeader('Connection', 'close');
    handleRequest(req, res);
  });

  server.keepAliveTimeout = SERVER_KEEP_ALIVE_TIMEOUT_MS;
  server.headersTimeout = SERVER_HEADERS_TIMEOUT_MS;

  server.on('connection', (socket: net.Socket) => {
    activeRequestsBySocket.set(socket, 0);
    socket.on('close', () => activeRequestsBySocket.delete(socket));
  });

  // Malformed requests (bad request line, oversized headers, ...) get a short error answer and the
  // socket is closed; without a handler some Node versions would just reset the connection.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: net.Socket) => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      // The peer is gone, or this socket was already answered (more bad bytes kept arriving).
      socket.destroy();
      return;
    }
    if (options.onClientError) options.onClientError(`${error.code || 'error'}: ${error.message}`);
    if ((activeRequestsBySocket.get(socket) || 0) > 0) {
      // A response is already under way on this socket: an error answer would corrupt it.
      socket.destroy();
      return;
    }
    const status =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? 431
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? 408
          : 400;
    const body = `${http.STATUS_CODES[status]}\n`;
    socket.end(
      `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\n` +
        'Content-Type: text/plain; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        'Connection: close\r\n\r\n' +
        body,
    );
  });

  function handleRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const localAddress = req.socket.localAddress;
    const localPort = req.socket.localPort;
    const instanceAddress =
      localAddress !== undefined && localPort !== undefined
        ? formatSocketAddress(localAddress, localPort)
        : undefined;
    // A golden-image clone keeps the old hostname (seed section 17): the address is the identity.
    if (instanceAddress !== undefined) res.setHeader('X-Instance-Address', instanceAddress);

    const path = (req.url || '').split('?')[0];
    const route = path === '/work' ? work : path === '/healthz' ? healthz : undefined;
    if (!route) return sendText(res, 404, 'not found\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', ALLOWED_METHODS);
      return sendText(res, 405, `method ${req.method} not allowed, use ${ALLOWED_METHODS}\n`);
    }
    route(res, instanceAddress);
  }

  // Like the Flask view (HEAD runs it too, as Flask does): count, wait, answer. The number is taken
  // when the request arrives, so concurrent requests each report their own count.
  function work(res: http.ServerResponse): void {
    workCount += 1;
    const count = workCount;
    const timer = setTimeout(
      () => sendText(res, 200, `hello ${count} from ${hostname}\n`),
      options.workDelayMs,
    );
    // The client went away (or the socket was cut off): nothing to answer.
    res.on('close', () => clearTimeout(timer));
  }

  function healthz(res: http.ServerResponse, instanceAddress: string | undefined): void {
    const body = {
      status: 'ok',
      hostname,
      address: instanceAddress !== undefined ? instanceAddress : null,
      uptimeMs: Date.now() - startedAt,
      // Other requests being answered (this health check itself is not counted).
      inFlight: activeResponses.size - 1,
      workCount,
    };
    send(res, 200, 'application/json; charset=utf-8', `${JSON.stringify(body)}\n`);
  }

  function listen(port: number, host: string): Promise<ListeningAddress> {
    return new Promise<ListeningAddress>((resolve, reject) => {
      const onError = (error: Error): void => {
        server.removeListener('listening', onListening);
        reject(error);
      };
      const onListening = (): void => {
        server.removeListener('error', onError);
        const bound = server.address() as net.AddressInfo;
        resolve({
          address: bound.address,
          port: bound.port,
          display: formatSocketAddress(bound.address, bound.port),
        });
      };
      server.once('error', onError);
      server.once('listening', onListening);
      server.listen(port, host);
    });
  }

  function close(graceMs: number): Promise<ShutdownSummary> {
    if (stopping) return stopping;
    const closeStartedAt = Date.now();
    const inFlightAtClose = activeResponses.size;
    stopping = new Promise<ShutdownSummary>((resolve) => {
      let cutOff = 0;
      let forced = false;
      const summary = (): ShutdownSummary => ({
        inFlightAtClose,
        cutOff,
        forced,
        elapsedMs: Date.now() - closeStartedAt,
      });
      forceNow = () => {
        if (forced) return;
        forced = true;
        cutOff = activeResponses.size;
        activeRequestsBySocket.forEach((_active, socket) => socket.destroy());
      };
      if (!server.listening) {
        resolve(summary());
        return;
      }
      const graceTimer = setTimeout(() => forceNow && forceNow(), graceMs);
      // Stop accepting; the callback runs once every open socket has closed.
      server.close(() => {
        clearTimeout(graceTimer);
        resolve(summary());
      });
      // In-flight responses close their socket when done instead of keeping it alive.
      activeResponses.forEach((res) => {
        if (!res.headersSent) res.setHeader('Connection', 'close');
      });
      // Idle keep-alive sockets would otherwise hold the server open for keepAliveTimeout.
      activeRequestsBySocket.forEach((active, socket) => {
        if (active === 0) socket.destroy();
      });
    });
    return stopping;
  }

  return {
    listen,
    close,
    forceClose: () => {
      if (forceNow) forceNow();
    },
    get inFlight() {
      return activeResponses.size;
    },
    get workCount() {
      return workCount;
    },
  };
}

function sendText(res: http.ServerResponse, status: number, body: string): void {
  send(res, status, 'text/plain; charset=utf-8', body);
}

function send(res: http.ServerResponse, status: number, contentType: string, body: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.setHeader('Cache-Control', 'no-store');
  // For HEAD, Node sends the headers (with the GET body's length) and drops the body.
  res.end(body);
}
