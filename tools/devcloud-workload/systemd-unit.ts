/**
 * The part of a systemd unit file the runner acts on: what to start ([Service] ExecStart,
 * Environment, EnvironmentFile, WorkingDirectory), whether to restart it (Restart, RestartSec) and
 * which target enables it ([Install] WantedBy). Everything else is kept as is and ignored.
 */

export type RestartPolicy = 'no' | 'always' | 'on-failure';

export interface SystemdUnit {
  name: string;
  execStart: string[];
  environment: Record<string, string>;
  environmentFiles: { path: string; optional: boolean }[];
  workingDirectory?: string;
  restart: RestartPolicy;
  restartSecMs: number;
  user?: string;
  wantedBy: string[];
}

export class UnitFileError extends Error {
  constructor(unitName: string, reason: string) {
    super(`unit ${unitName}: ${reason}`);
    this.name = 'UnitFileError';
  }
}

const RESTART_POLICIES: Record<string, RestartPolicy> = {
  no: 'no',
  always: 'always',
  'on-failure': 'on-failure',
  // The runner has no watchdog or abnormal/abort distinction: these restart like on-failure.
  'on-abnormal': 'on-failure',
  'on-abort': 'on-failure',
  'on-watchdog': 'on-failure',
};

/** Splits a systemd command line: whitespace separated words, "double" and 'single' quotes. */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let current = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < line.length) current += line[++i];
      else current += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < line.length) {
      current += line[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
    } else {
      current += c;
      inWord = true;
    }
  }
  if (quote) throw new Error(`unterminated ${quote} quote in ${JSON.stringify(line)}`);
  if (inWord) words.push(current);
  return words;
}

/** Seconds as systemd writes them: `5`, `5s`, `500ms`, `1min`. */
function parseTimeSpanMs(unitName: string, key: string, raw: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|sec|m|min)?$/.exec(raw.trim());
  if (!match)
    throw new UnitFileError(unitName, `${key}=${raw}: expected a time like 5, 5s, 500ms or 1min`);
  const value = Number(match[1]);
  const unit = match[2] ?? 's';
  if (unit === 'ms') return value;
  if (unit === 'm' || unit === 'min') return value * 60_000;
  return value * 1000;
}

export function parseSystemdUnit(name: string, text: string): SystemdUnit {
  const unit: SystemdUnit = {
    name,
    execStart: [],
    environment: {},
    environmentFiles: [],
    restart: 'no',
    restartSecMs: 100,
    wantedBy: [],
  };
  let section = '';
  const lines = text.replace(/\\\r?\n/g, ' ').split(/\r?\n/);
  for (const rawLine of lines) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = header[1];
      continue;
    }
    const eq = line.indexOf('=');
    if (eq === -1) continue;
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    if (section === 'Service') {
      if (key === 'ExecStart') {
        // Prefixes: - (ignore failure), @, :, +, ! (privilege/argv0 tweaks): none change what runs here.
        unit.execStart = splitCommandLine(value.replace(/^[-@:+!]+/, ''));
      } else if (key === 'Environment') {
        for (const assignment of splitCommandLine(value)) {
          const at = assignment.indexOf('=');
          if (at <= 0)
            throw new UnitFileError(
              name,
              `Environment=${value}: ${JSON.stringify(assignment)} is not NAME=value`,
            );
          unit.environment[assignment.slice(0, at)] = assignment.slice(at + 1);
        }
      } else if (key === 'EnvironmentFile') {
        const optional = value.startsWith('-');
        unit.environmentFiles.push({ path: optional ? value.slice(1) : value, optional });
      } else if (key === 'WorkingDirectory') {
        unit.workingDirectory = value.replace(/^-/, '');
      } else if (key === 'Restart') {
        const policy = RESTART_POLICIES[value];
        if (!policy) {
          throw new UnitFileError(
            name,
            `Restart=${value}: allowed are ${Object.keys(RESTART_POLICIES).join(', ')}`,
          );
        }
        unit.restart = policy;
      } else if (key === 'RestartSec') {
        unit.restartSecMs = parseTimeSpanMs(name, key, value);
      } else if (key === 'User') {
        unit.user = value;
      }
    } else if (section === 'Install' && key === 'WantedBy') {
      unit.wantedBy.push(...value.split(/\s+/).filter(Boolean));
    }
  }
  if (unit.execStart.length === 0) throw new UnitFileError(name, 'has no ExecStart= in [Service]');
  return unit;
}

/** `KEY=value` lines of an EnvironmentFile (comments and blank lines skipped, quotes removed). */
export function parseEnvironmentFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const at = line.indexOf('=');
    if (at <= 0) continue;
    const value = line.slice(at + 1).trim();
    env[line.slice(0, at).trim()] = /^(["']).*\1$/.test(value) ? value.slice(1, -1) : value;
  }
  return env;
}
