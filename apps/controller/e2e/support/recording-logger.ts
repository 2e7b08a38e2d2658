import { ConsoleLogger, LogLevel } from '@nestjs/common';
import { FieldMatch, LogRecord, logMatches, recordOf, recordText } from './log-lines';

/**
 * Nest's own ConsoleLogger that also keeps every record it is given (support/log-lines.ts), so
 * in-process tests can assert on the log: `lines` as text, `records` with their fields. Prints
 * only when CONTROLLER_TEST_LOGS=1 (keeps jest output readable).
 */
export class RecordingLogger extends ConsoleLogger {
  readonly lines: string[] = [];
  readonly records: LogRecord[] = [];

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
    for (const message of messages) {
      const record = recordOf(logLevel === 'log' ? 'info' : logLevel, context, message);
      this.records.push(record);
      this.lines.push(recordText(record));
    }
    if (process.env.CONTROLLER_TEST_LOGS === '1')
      super.printMessages(messages, context, logLevel, writeStreamType, errorStack);
  }

  matching(pattern: RegExp): string[] {
    return this.lines.filter((line) => pattern.test(line));
  }

  /** Records with every field of `match`. */
  withFields(match: FieldMatch): LogRecord[] {
    return this.records.filter((record) => logMatches(record, match));
  }
}
