/**
 * cloud-init's write_files, into the disk: decode the content (plain, base64, gzip, gzip+base64
 * under all the names cloud-init accepts), create parent directories, set the mode. Owners are
 * not kept (a snapshot makes every file root's), so an owner is reported and ignored.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { CloudConfigError, type WriteFileEntry } from './cloud-config';
import { hostPathInDisk } from './disk-path';

const BASE64 = new Set(['b64', 'base64']);
const GZIP = new Set(['gz', 'gzip']);
const GZIP_BASE64 = new Set(['gz+b64', 'gz+base64', 'gzip+b64', 'gzip+base64']);
const PLAIN = new Set(['text/plain', '']);

export const WRITE_FILES_ENCODINGS = [...PLAIN, ...BASE64, ...GZIP, ...GZIP_BASE64].filter(Boolean);

export function decodeContent(entry: WriteFileEntry, field: string): Buffer {
  const encoding = entry.encoding.toLowerCase();
  try {
    if (PLAIN.has(encoding)) return Buffer.from(entry.content, 'utf8');
    if (BASE64.has(encoding)) return Buffer.from(entry.content, 'base64');
    // Plain `gz` content is binary in YAML (!!binary is already base64-decoded by the parser into a string).
    if (GZIP.has(encoding)) return gunzipSync(Buffer.from(entry.content, 'latin1'));
    if (GZIP_BASE64.has(encoding)) return gunzipSync(Buffer.from(entry.content, 'base64'));
  } catch (error) {
    throw new CloudConfigError(
      `${field}.content`,
      `not valid ${entry.encoding}: ${(error as Error).message}`,
    );
  }
  throw new CloudConfigError(
    `${field}.encoding`,
    `${JSON.stringify(entry.encoding)} is not supported (allowed: ${WRITE_FILES_ENCODINGS.join(', ')})`,
  );
}

/** Writes one entry; returns a console line describing it. */
export function writeFileIntoDisk(disk: string, entry: WriteFileEntry, field: string): string {
  const target = hostPathInDisk(disk, entry.path);
  const bytes = decodeContent(entry, field);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  if (entry.append) fs.appendFileSync(target, bytes);
  else fs.writeFileSync(target, bytes);
  const mode = entry.permissions ?? 0o644;
  fs.chmodSync(target, mode);
  const owner = entry.owner ? `, owner ${entry.owner} ignored (disk files belong to root)` : '';
  return `write_files: ${entry.path} (${bytes.length} bytes, ${entry.encoding}, mode ${mode.toString(8).padStart(4, '0')}${entry.append ? ', appended' : ''}${owner})`;
}
