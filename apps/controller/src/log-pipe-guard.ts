/**
 * Keeps a broken log pipe from stopping the controller. When stdout or stderr is a pipe whose
 * reader went away (`main.js | head -1`, a killed `tee`), every later write fails with EPIPE;
 * Node reports that as an 'error' event on the stream, and an unhandled one ends the process
 * with exit 1 and no shutdown sequence, taking the data path down with the log reader.
 *
 * Logging is not worth a client's request: from the first write error on, output to that stream
 * is dropped (one line says so on the other stream, while that still works), and the process
 * keeps serving; a later SIGTERM still runs the orderly shutdown.
 */
export function guardLogStreams(
  streams: readonly NodeJS.WriteStream[] = [process.stdout, process.stderr],
): void {
  for (const stream of streams) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (dropped.has(stream)) return;
      dropped.add(stream);
      // Writes after the error would fail again (and emit again): make them no-ops.
      stream.write = ((_chunk: unknown, encodingOrCallback?: unknown, callback?: unknown) => {
        const done = typeof encodingOrCallback === 'function' ? encodingOrCallback : callback;
        if (typeof done === 'function') queueMicrotask(() => (done as () => void)());
        return true;
      }) as NodeJS.WriteStream['write'];
      const other = streams.find((candidate) => candidate !== stream && !dropped.has(candidate));
      other?.write(
        `controller: ${streamName(stream)} failed (${error.code ?? error.message}); its log output is dropped from now on, serving continues\n`,
      );
    });
  }
}

const dropped = new WeakSet<NodeJS.WriteStream>();

function streamName(stream: NodeJS.WriteStream): string {
  if (stream === process.stdout) return 'stdout';
  if (stream === process.stderr) return 'stderr';
  return 'a log stream';
}
