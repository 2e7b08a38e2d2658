/**
 * `osa`: a command-line client for the controller's v1 admin API, with the openstack CLI's habits.
 *
 *   npx osa status                        npx osa instance list -f value -c Name
 *   npx osa event list --since 10m --follow
 *
 * The admin URL comes from --url or OSA_URL (default http://127.0.0.1:8001); the bearer token
 * only from OSA_ADMIN_TOKEN (never an argument: those show in `ps`). Exit codes: 0 ok, 1 the
 * controller refused or failed, 2 bad usage or unreachable -- each with a one-line reason.
 */
import { parseArgs } from 'node:util';
import ms from 'ms';
import { DEFAULT_URL, OsaClient } from './osa-client';
import { COMMANDS, CommandOptions, CommandSpec } from './osa-commands';
import { EXIT_OK, EXIT_USAGE_OR_UNREACHABLE, exitCodeOf, UsageError } from './osa-errors';
import { FORMATS, OutputFormat, render } from './output-formatter';

const OPTIONS = {
  url: { type: 'string' },
  format: { type: 'string', short: 'f' },
  column: { type: 'string', short: 'c', multiple: true },
  help: { type: 'boolean', short: 'h' },
  replace: { type: 'boolean' },
  desired: { type: 'string' },
  since: { type: 'string' },
  limit: { type: 'string' },
  follow: { type: 'boolean' },
  image: { type: 'string' },
  'idle-timeout': { type: 'string' },
} as const;

const GLOBAL_OPTIONS = new Set(['url', 'format', 'column', 'help']);
/** Flags whose CommandOptions key is spelt otherwise. */
const OPTION_KEYS: Readonly<Record<string, string>> = { 'idle-timeout': 'idleTimeoutMs' };

export function helpText(): string {
  const width = Math.max(...COMMANDS.map((command) => command.usage.length));
  return [
    'usage: osa COMMAND [options] [-f table|json|yaml|value] [-c COLUMN ...] [--url URL]',
    '',
    'commands:',
    ...COMMANDS.map((command) => `  ${command.usage.padEnd(width)}  ${command.summary}`),
    '',
    `--url URL or OSA_URL: the controller's admin listener (default ${DEFAULT_URL})`,
    'OSA_ADMIN_TOKEN: the admin bearer token (read from the environment only)',
    'exit codes: 0 ok, 1 the controller refused or failed, 2 bad usage or unreachable',
    '',
  ].join('\n');
}

/**
 * `--follow` gives up when the stream has been silent this long. The controller sends a load
 * sample every second, so silence means a stalled connection or controller, not a quiet group.
 */
export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;

/** `--idle-timeout 30s|2m|500ms|0` (0: wait for ever); only with --follow. */
function parseIdleTimeout(text: string | undefined, follow: boolean): number {
  if (text === undefined) return DEFAULT_IDLE_TIMEOUT_MS;
  if (!follow) throw new UsageError('--idle-timeout applies only with --follow');
  const value = text.trim() === '0' ? 0 : ms(text as ms.StringValue);
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
    throw new UsageError(
      `--idle-timeout ${text}: expected a duration such as 30s, 2m or 500ms (0: no limit)`,
    );
  return value;
}

export interface Invocation {
  readonly command: CommandSpec;
  readonly positionals: string[];
  readonly options: CommandOptions;
  readonly format: OutputFormat;
  readonly columns: string[];
  readonly url: string;
}

/** argv (without node and the script) -> what to run; UsageError with a one-line reason otherwise. */
export function parseInvocation(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): Invocation | 'help' {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    const raw = (error as Error).message;
    const unknown = raw.match(/Unknown option '([^']+)'/);
    const message = unknown
      ? `unknown option ${unknown[1]}`
      : raw.split('\n')[0].replace(/\. To specify.*$/, '');
    const hint = /token/i.test(message)
      ? ' (the token is read from OSA_ADMIN_TOKEN only, so it never shows in ps)'
      : '';
    throw new UsageError(`${message}${hint}; see osa --help`);
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0) return 'help';
  const command =
    COMMANDS.find((candidate) => candidate.name === positionals.slice(0, 2).join(' ')) ??
    COMMANDS.find((candidate) => candidate.name === positionals[0]);
  if (!command) {
    const known = [...new Set(COMMANDS.map((candidate) => candidate.name))].join(', ');
    throw new UsageError(
      `unknown command "${positionals.slice(0, 2).join(' ')}"; commands: ${known}`,
    );
  }
  const rest = positionals.slice(command.name.split(' ').length);
  if (rest.length !== command.positionals.length) {
    throw new UsageError(
      `${command.name}: expected ${command.positionals.join(' ') || 'no arguments'}, got ${rest.length ? rest.map((arg) => JSON.stringify(arg)).join(' ') : 'none'}; usage: ${command.usage}`,
    );
  }
  for (const name of Object.keys(values)) {
    const key = (OPTION_KEYS[name] ?? name) as keyof CommandOptions;
    if (!GLOBAL_OPTIONS.has(name) && !command.options.includes(key)) {
      throw new UsageError(
        `--${name} does not apply to "${command.name}"; usage: ${command.usage}`,
      );
    }
  }
  const format = values.format ?? 'table';
  if (!(FORMATS as readonly string[]).includes(format))
    throw new UsageError(`-f ${format}: choose one of ${FORMATS.join(', ')}`);
  return {
    command,
    positionals: rest,
    options: {
      replace: values.replace ?? false,
      desired: values.desired,
      since: values.since,
      limit: values.limit,
      follow: values.follow ?? false,
      image: values.image,
      idleTimeoutMs: parseIdleTimeout(values['idle-timeout'], values.follow ?? false),
      json: format === 'json',
    },
    format: format as OutputFormat,
    columns: values.column ?? [],
    url: values.url ?? env.OSA_URL ?? DEFAULT_URL,
  };
}

export async function main(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const out = (text: string): void => {
    process.stdout.write(text);
  };
  try {
    const invocation = parseInvocation(argv, env);
    if (invocation === 'help') {
      out(helpText());
      return EXIT_OK;
    }
    const client = new OsaClient(invocation.url, env.OSA_ADMIN_TOKEN || undefined);
    const stop = new AbortController();
    const onSignal = (): void => stop.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      const result = await invocation.command.run({
        client,
        options: invocation.options,
        positionals: invocation.positionals,
        print: (line) => out(`${line}\n`),
        signal: stop.signal,
      });
      if (result.output) out(render(result.output, invocation.format, invocation.columns));
      if (result.after) {
        await result.after();
        if (!stop.signal.aborted) {
          process.stderr.write('osa: the controller ended the stream (shutting down?)\n');
          return EXIT_USAGE_OR_UNREACHABLE;
        }
      }
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    return EXIT_OK;
  } catch (error) {
    process.stderr.write(`osa: ${(error as Error).message.split('\n')[0]}\n`);
    return exitCodeOf(error);
  }
}

if (require.main === module) {
  void main(process.argv.slice(2), process.env).then((code) => {
    process.exitCode = code;
  });
}
