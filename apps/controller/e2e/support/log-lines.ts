/**
 * The one reader of the controller's log for tests. The controller writes one JSON object per
 * line (pino: `level`, `time`, `context`, `msg` and the event's own fields: instanceId, phase,
 * elapsedMs, ...); in-process controllers hand Nest's logger a message string or a fields object.
 * Both become a LogRecord, and its `text` (`INFO [Scaling] msg key=value ...`) is what a RegExp is
 * matched against, so a spec can assert on a sentence or, better, on fields (`logMatches`).
 * Lines that are not log records (config errors, --version) are kept as they are.
 */
export interface LogRecord {
  readonly level: string;
  readonly context?: string;
  readonly msg: string;
  readonly [field: string]: unknown;
}

/** A field's expected value: equal, or (for a RegExp) matching its text. */
export type FieldMatch = Readonly<Record<string, string | number | boolean | null | RegExp>>;

const FRAME_FIELDS = new Set(['level', 'time', 'pid', 'hostname', 'context', 'msg']);

/** `log.format: pretty` (pino-pretty, single line, no colours off a terminal): `[time] LEVEL: [context] msg {fields}`. */
const PRETTY_LINE = /^\[[\d:.]+\] ([A-Z]+): (?:\[([\w-]+)\] )?(.*)$/;

/** A log line of the controller (JSON, or pretty) as a record; undefined for any other line. */
export function parseLogLine(line: string): LogRecord | undefined {
  const pretty = PRETTY_LINE.exec(line);
  if (pretty) return parsePrettyLine(pretty[1].toLowerCase(), pretty[2], pretty[3]);
  if (!line.startsWith('{')) return undefined;
  try {
    const value = JSON.parse(line) as Record<string, unknown>;
    if (typeof value.level !== 'string' || typeof value.msg !== 'string') return undefined;
    return value as LogRecord;
  } catch {
    return undefined;
  }
}

function parsePrettyLine(level: string, context: string | undefined, rest: string): LogRecord {
  // The fields are the JSON object at the end of the line; the message is what comes before it.
  for (let start = rest.indexOf(' {'); start !== -1; start = rest.indexOf(' {', start + 1)) {
    try {
      const fields = JSON.parse(rest.slice(start + 1)) as Record<string, unknown>;
      return { ...fields, level, context, msg: rest.slice(0, start) };
    } catch {
      // not the start of the fields: a brace inside the message
    }
  }
  return { level, context, msg: rest };
}

/** What Nest's logger was given (a string, an Error or a fields object) as a record. */
export function recordOf(level: string, context: string | undefined, message: unknown): LogRecord {
  if (message instanceof Error)
    return {
      level,
      context,
      msg: message.message,
      err: { message: message.message, stack: message.stack },
    };
  if (typeof message === 'object' && message !== null) {
    const fields = message as Record<string, unknown>;
    const err =
      fields.err instanceof Error
        ? { message: fields.err.message, stack: fields.err.stack }
        : fields.err;
    return {
      ...fields,
      level,
      context,
      msg: String(fields.msg ?? ''),
      ...(err === undefined ? {} : { err }),
    };
  }
  return { level, context, msg: String(message) };
}

/** `LEVEL [context] msg key=value ...`: the text RegExp assertions see. */
export function recordText(record: LogRecord): string {
  const fields = Object.entries(record)
    .filter(([name, value]) => !FRAME_FIELDS.has(name) && value !== undefined)
    .map(([name, value]) => `${name}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  return [
    `${record.level.toUpperCase()}${record.context ? ` [${record.context}]` : ''}`,
    record.msg,
    ...fields,
  ].join(' ');
}

/** The text of one output line: a log record's `recordText`, any other line as it is. */
export function lineText(line: string): string {
  const record = parseLogLine(line);
  return record ? recordText(record) : line;
}

/** Whether `record` has every field of `match` (a RegExp matches the field's text). */
export function logMatches(record: LogRecord, match: FieldMatch): boolean {
  return Object.entries(match).every(([name, expected]) => {
    const actual = record[name];
    if (expected instanceof RegExp)
      return (
        actual !== undefined &&
        expected.test(typeof actual === 'string' ? actual : JSON.stringify(actual))
      );
    return actual === expected;
  });
}

/** The controller's records that specs wait for, by their fields (the msg texts live here only). */
export const LOGGED = {
  /** The original passed its health checks and takes traffic. */
  originalAdmitted: { msg: 'original admitted: ready for traffic', instanceName: 'service-vm-1' },
  /** One lifecycle transition of a launch or removal (pool/instance-lifecycle.ts). */
  phaseChange: (fields: FieldMatch = {}): FieldMatch => ({
    msg: 'instance phase change',
    ...fields,
  }),
  /** A launch of this kind ended with its instance admitted. */
  launchDone: (kind = 'scale-out', fields: FieldMatch = {}): FieldMatch => ({
    msg: `${kind} done: instance admitted, gate open`,
    ...fields,
  }),
  /** A launch failed (any of the four follow-ups: back-off, cloud API, replacement, adoption). */
  launchFailed: (kind = 'scale-out', fields: FieldMatch = {}): FieldMatch => ({
    msg: new RegExp(`^${kind} failed: `),
    ...fields,
  }),
} as const;
