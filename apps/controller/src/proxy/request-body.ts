import type { IncomingMessage } from 'node:http';

/**
 * Read a whole request body (`requestBuffering: buffer`). Calls back once: with the body, with
 * `'too-large'` past `maxBytes` (a chunked body announces no length), or with `'gone'` when the
 * client went away or its upload broke. Never throws; the request always has an error listener.
 */
export function bufferRequestBody(
  req: IncomingMessage,
  maxBytes: number,
  done: (body: Buffer | 'too-large' | 'gone') => void,
): void {
  const chunks: Buffer[] = [];
  let total = 0;
  let finished = false;
  const finish = (result: Buffer | 'too-large' | 'gone'): void => {
    if (finished) return;
    finished = true;
    req.off('data', onData);
    done(result);
  };
  const onData = (chunk: Buffer): void => {
    total += chunk.length;
    if (total > maxBytes) {
      req.pause();
      finish('too-large');
      return;
    }
    chunks.push(chunk);
  };
  req.on('data', onData);
  req.once('end', () => finish(total === 0 ? Buffer.alloc(0) : Buffer.concat(chunks, total)));
  req.on('error', () => finish('gone'));
  req.once('close', () => {
    if (!req.complete) finish('gone');
  });
}
