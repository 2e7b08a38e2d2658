import { connect } from 'node:net';

/** A Runtime API command failed: HAProxy said so, or did not answer in time. */
export class RuntimeApiError extends Error {
  constructor(
    readonly command: string,
    message: string,
  ) {
    super(`HAProxy Runtime API "${command}": ${message}`);
    this.name = 'RuntimeApiError';
  }
}

/**
 * The HAProxy Runtime API on its private UNIX socket (management guide, section 9.3), in
 * non-interactive mode: one connection per command, HAProxy answers and closes. Nothing else is
 * ever used to change the running HAProxy (no reloads).
 */
export class HaproxyRuntimeApi {
  constructor(
    private readonly socketPath: string,
    private readonly timeoutMs: number,
  ) {}

  /** Sends one command and resolves with HAProxy's whole answer (trimmed). */
  run(command: string): Promise<string> {
    if (/[\n;]/.test(command))
      throw new RuntimeApiError(command, 'one command per call (no ";" or line breaks)');
    return new Promise((resolve, reject) => {
      const socket = connect(this.socketPath);
      const chunks: Buffer[] = [];
      const fail = (message: string): void => {
        socket.destroy();
        reject(new RuntimeApiError(command, message));
      };
      socket.setTimeout(this.timeoutMs, () =>
        fail(`no answer within ${this.timeoutMs} ms (dataPlane.haproxy.runtimeApiTimeoutMs)`),
      );
      socket.on('error', (error: NodeJS.ErrnoException) =>
        fail(`${error.code ?? 'error'} on ${this.socketPath}: ${error.message}`),
      );
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('end', () => {
        socket.destroy();
        resolve(Buffer.concat(chunks).toString('utf8').trim());
      });
      socket.write(`${command}\n`);
    });
  }

  /**
   * A command that answers nothing (or one of `okAnswers`) when it worked: anything else HAProxy
   * says is its error message.
   */
  async expect(command: string, okAnswers: readonly RegExp[] = []): Promise<void> {
    const answer = await this.run(command);
    if (answer !== '' && !okAnswers.some((ok) => ok.test(answer)))
      throw new RuntimeApiError(command, answer.split('\n')[0]);
  }
}

/** One Runtime API argument: spaces and backslashes escaped (the CLI splits on spaces). */
export function cliWord(value: string): string {
  return value.replace(/[\\ ]/g, (character) => `\\${character}`);
}
