import { ValidateIf } from 'class-validator';
import { OneOf } from './config-rules';

/** Levels by the names operators expect (pino's); `trace` adds every probe and poll to `debug`. */
export const LOG_LEVELS = ['error', 'warn', 'info', 'debug', 'trace'] as const;
/** Nest's old names, still accepted: `log` is `info`, `verbose` is `trace`. */
export const LEGACY_LOG_LEVELS = { log: 'info', verbose: 'trace' } as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export class LogConfig {
  /** Lowest level printed; `info` is the normal level, `debug` adds every OpenStack call, `trace` every probe. */
  @OneOf([
    ...LOG_LEVELS,
    ...(Object.keys(LEGACY_LOG_LEVELS) as Array<keyof typeof LEGACY_LOG_LEVELS>),
  ])
  level: LogLevelName | keyof typeof LEGACY_LOG_LEVELS = 'info';

  /**
   * `json`: one JSON object per line (for log collectors), `pretty`: one coloured line per event
   * for a person at a terminal. Unset: `pretty` when stdout is a terminal, else `json`.
   */
  @ValidateIf((_object, value) => value !== undefined)
  @OneOf(LOG_FORMATS)
  format?: LogFormat;
}

/** The pino level for a configured one (old Nest names mapped). */
export function pinoLevelOf(level: LogConfig['level']): LogLevelName {
  return level in LEGACY_LOG_LEVELS
    ? LEGACY_LOG_LEVELS[level as keyof typeof LEGACY_LOG_LEVELS]
    : (level as LogLevelName);
}

/** The format in effect: the configured one, else by whether stdout is a terminal. */
export function logFormatOf(config: LogConfig, stdoutIsTty: boolean): LogFormat {
  return config.format ?? (stdoutIsTty ? 'pretty' : 'json');
}
