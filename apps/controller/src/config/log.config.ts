import { OneOf } from './config-rules';

export const LOG_LEVELS = ['error', 'warn', 'log', 'debug', 'verbose'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

export class LogConfig {
  /** Lowest level printed; `log` is the normal level, `debug` adds every probe and poll. */
  @OneOf(LOG_LEVELS)
  level: LogLevelName = 'log';

  /** `text` for people, `json` (one object per line) for log collectors. */
  @OneOf(['text', 'json'] as const)
  format: 'text' | 'json' = 'text';
}
