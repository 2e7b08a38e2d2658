import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { STATUS_CODES } from 'node:http';
import type { LocalAnswer } from './exchange';

/** Answer a client ourselves (400/502/503/504): short plain text, never cached. */
export function writeLocalAnswer(
  res: ServerResponse,
  answer: LocalAnswer,
  closeConnection = false,
): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  const body = `${answer.text}\n`;
  const headers: Record<string, string | number> = {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  };
  if (answer.retryAfterSeconds !== undefined) headers['Retry-After'] = answer.retryAfterSeconds;
  if (answer.closeConnection || closeConnection) headers['Connection'] = 'close';
  res.writeHead(answer.status, headers);
  res.end(body);
}

/** The same answer written on a raw socket (upgrade requests have no ServerResponse). */
export function writeLocalAnswerToSocket(socket: Socket, answer: LocalAnswer): void {
  if (socket.destroyed) return;
  const body = `${answer.text}\n`;
  const retryAfter =
    answer.retryAfterSeconds !== undefined ? `Retry-After: ${answer.retryAfterSeconds}\r\n` : '';
  socket.end(
    `HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status] ?? 'Error'}\r\n` +
      'Content-Type: text/plain; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Cache-Control: no-store\r\n' +
      retryAfter +
      'Connection: close\r\n\r\n' +
      body,
  );
}
