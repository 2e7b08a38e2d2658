/**
 * The `#cloud-config` user data the runner understands, parsed and checked before anything is
 * written: write_files (every encoding cloud-init documents), packages, runcmd. Other keys are
 * reported as ignored, never silently dropped.
 */
import { parse } from 'yaml';

export interface WriteFileEntry {
  path: string;
  content: string;
  encoding: string;
  permissions?: number;
  owner?: string;
  append: boolean;
  defer: boolean;
}

/** A runcmd entry: an argv list (run directly) or a string (run by `sh -c`, as cloud-init does). */
export type RunCommand = string[] | string;

export interface CloudConfig {
  writeFiles: WriteFileEntry[];
  packages: string[];
  runcmd: RunCommand[];
  ignoredKeys: string[];
}

export class CloudConfigError extends Error {
  constructor(field: string, reason: string) {
    super(`user data: ${field}: ${reason}`);
    this.name = 'CloudConfigError';
  }
}

const HANDLED_KEYS = new Set([
  'write_files',
  'packages',
  'runcmd',
  'package_update',
  'package_upgrade',
]);

export function isCloudConfig(userData: string): boolean {
  return /^#cloud-config[ \t]*\r?\n/.test(userData);
}

export function parseCloudConfig(userData: string): CloudConfig {
  let doc: unknown;
  try {
    doc = parse(userData);
  } catch (error) {
    throw new CloudConfigError('YAML', (error as Error).message.split('\n')[0]);
  }
  if (doc === null || doc === undefined) doc = {};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new CloudConfigError('document', 'must be a mapping of module names to settings');
  }
  const record = doc as Record<string, unknown>;
  return {
    writeFiles: listOf(record, 'write_files').map((entry, i) => writeFileEntry(entry, i)),
    packages: listOf(record, 'packages').map((p, i) => packageName(p, i)),
    runcmd: listOf(record, 'runcmd').map((c, i) => runCommand(c, i)),
    ignoredKeys: Object.keys(record).filter((key) => !HANDLED_KEYS.has(key)),
  };
}

function listOf(record: Record<string, unknown>, key: string): unknown[] {
  const value = record[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new CloudConfigError(key, `must be a list, got ${typeof value}`);
  return value;
}

function writeFileEntry(entry: unknown, index: number): WriteFileEntry {
  const field = `write_files[${index}]`;
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    throw new CloudConfigError(field, 'must be a mapping with at least `path`');
  }
  const e = entry as Record<string, unknown>;
  if (typeof e['path'] !== 'string' || !e['path'].startsWith('/')) {
    throw new CloudConfigError(
      `${field}.path`,
      `must be an absolute path, got ${JSON.stringify(e['path'])}`,
    );
  }
  // YAML `!!binary` (how cloud-init's examples carry `gz` content) parses to bytes.
  const rawContent = e['content'] ?? '';
  const content =
    rawContent instanceof Uint8Array ? Buffer.from(rawContent).toString('latin1') : rawContent;
  if (typeof content !== 'string') {
    throw new CloudConfigError(`${field}.content`, `must be a string, got ${typeof content}`);
  }
  return {
    path: e['path'],
    content,
    encoding: typeof e['encoding'] === 'string' ? e['encoding'] : 'text/plain',
    permissions:
      e['permissions'] === undefined
        ? undefined
        : octalPermissions(e['permissions'], `${field}.permissions`),
    owner: typeof e['owner'] === 'string' ? e['owner'] : undefined,
    append: e['append'] === true,
    defer: e['defer'] === true,
  };
}

function octalPermissions(raw: unknown, field: string): number {
  // cloud-init takes '0644' (a string, read as octal) or an integer (already the mode).
  if (typeof raw === 'number' && Number.isInteger(raw) && raw >= 0 && raw <= 0o7777) return raw;
  if (typeof raw === 'string' && /^(0o?)?[0-7]{1,4}$/.test(raw))
    return parseInt(raw.replace(/^0o/, ''), 8);
  throw new CloudConfigError(field, `${JSON.stringify(raw)}: expected an octal mode like '0644'`);
}

function packageName(raw: unknown, index: number): string {
  if (typeof raw === 'string') return raw;
  // [name, version] pairs are allowed by cloud-init.
  if (Array.isArray(raw) && typeof raw[0] === 'string') return raw.join('=');
  throw new CloudConfigError(
    `packages[${index}]`,
    `expected a package name, got ${JSON.stringify(raw)}`,
  );
}

function runCommand(raw: unknown, index: number): RunCommand {
  if (typeof raw === 'string') return raw;
  if (
    Array.isArray(raw) &&
    raw.length > 0 &&
    raw.every((a) => typeof a === 'string' || typeof a === 'number')
  ) {
    return raw.map(String);
  }
  throw new CloudConfigError(
    `runcmd[${index}]`,
    `expected a command string or a non-empty list of words, got ${JSON.stringify(raw)}`,
  );
}
