import { LoggerService } from '@nestjs/common';
import { Logger as NestPinoLogger, PinoLogger } from 'nestjs-pino';
import pino, { DestinationStream, Logger as PinoInstance, LoggerOptions } from 'pino';
import { LogConfig, logFormatOf, pinoLevelOf } from '../config/log.config';

/**
 * Field names that may carry a credential anywhere in a log record (top level or one level down,
 * e.g. `err.password` or `headers.authorization`): pino replaces their values with `***` before
 * the line is written. Call sites never log secrets on purpose; this is the net under them.
 */
const SECRET_FIELD_NAMES = [
  'password',
  'token',
  'secret',
  'applicationCredentialSecret',
  'bearerToken',
  'authorization',
  'cookie',
  'x-auth-token',
  'x-subject-token',
  'serviceEnv',
];

export const REDACTED_PATHS: readonly string[] = [
  ...SECRET_FIELD_NAMES.flatMap((name) => [`["${name}"]`, `*["${name}"]`]),
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-auth-token"]',
];

/** What every record carries besides pino's own `level`, `time`, `pid`, `hostname`, `msg`. */
export interface LogFields {
  readonly context?: string;
  readonly instanceId?: string;
  readonly instanceName?: string;
  readonly phase?: string;
  readonly elapsedMs?: number;
  readonly requestId?: string;
  readonly openstackRequestId?: string;
}

export function controllerLoggerOptions(config: LogConfig): LoggerOptions {
  return {
    level: pinoLevelOf(config.level),
    // Level names, not pino's numbers: `"level":"warn"` is what operators grep and alert on.
    formatters: { level: (label) => ({ level: label }) },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: [...REDACTED_PATHS], censor: '***' },
  };
}

/**
 * The controller's one logger: pino, writing JSON lines (one object per event) or, for a person at
 * a terminal, pino-pretty's one line per event with the fields after the message. Both write to
 * process.stdout synchronously (pipes and files are synchronous on Linux), so nothing is lost on
 * process.exit and log-pipe-guard.ts still sees a broken pipe. pino-pretty rather than a formatter
 * of ours: it already handles colours, error stacks, multi-line values and level names, and runs
 * in-process here (no worker thread that could outlive or race the exit).
 */
export function createControllerLogger(
  config: LogConfig,
  output: NodeJS.WritableStream = process.stdout,
): PinoInstance {
  const options = controllerLoggerOptions(config);
  const isTty = (output as { isTTY?: boolean }).isTTY === true;
  if (logFormatOf(config, isTty) === 'json') return pino(options, output as DestinationStream);
  // Loaded only in pretty mode: a JSON controller does not pay for pino-pretty's start-up.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pretty = require('pino-pretty') as typeof import('pino-pretty');
  const stream = pretty({
    destination: output,
    sync: true,
    colorize: isTty,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,context',
    messageFormat: '{if context}[{context}] {end}{msg}',
    singleLine: true,
  });
  return pino(options, stream);
}

/**
 * Nest's logger on `logger` (nestjs-pino): `app.useLogger(nestLoggerOn(logger))` routes every
 * `new Logger(Context)` into pino, the context as a field and a fields object merged into the
 * record. Without nestjs-pino's LoggerModule: its pino-http middleware would add a catch-all
 * route for every HTTP method to the admin listener (which the admin security spec enumerates),
 * and admin requests are few enough that a per-request id buys nothing.
 */
export function nestLoggerOn(logger: PinoInstance): LoggerService {
  return new NestPinoLogger(new PinoLogger({ pinoHttp: { logger } }), {});
}
