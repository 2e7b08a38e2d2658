import { ConsoleLogger, LogLevel } from '@nestjs/common';

/**
 * Nest's own ConsoleLogger that also keeps every line it prints, so in-process tests can assert
 * on the log. Prints only when CONTROLLER_TEST_LOGS=1 (keeps jest output readable).
 */
export class RecordingLogger extends ConsoleLogger {
  readonly lines: string[] = [];

  constructor() {
    super({ logLevels: ['fatal', 'error', 'warn', 'log'], colors: false });
  }

  protected override printMessages(
    messages: unknown[],
    context = '',
    logLevel: LogLevel = 'log',
    writeStreamType?: 'stdout' | 'stderr',
    errorStack?: unknown,
  ): void {
    for (const message of messages) this.lines.push(`${logLevel.toUpperCase()} [${context}] ${String(message)}`);
    if (process.env.CONTROLLER_TEST_LOGS === '1') super.printMessages(messages, context, logLevel, writeStreamType, errorStack);
  }

  matching(pattern: RegExp): string[] {
    return this.lines.filter((line) => pattern.test(line));
  }
}
