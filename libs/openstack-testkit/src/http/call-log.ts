// Every request the fake receives, with secrets masked so a test can print the log safely.
import type { IncomingHttpHeaders } from 'node:http';
import type { CallRecord } from '../fake-openstack.types';

const MASKED_HEADERS = new Set(['x-auth-token', 'x-subject-token', 'authorization']);
const MASKED_BODY_KEYS = new Set(['password', 'secret', 'adminPass', 'private_key']);
const MAX_TEXT_BODY_CHARS = 4096;

export const MASK = '***';

export function maskHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name] = MASKED_HEADERS.has(name) ? MASK : Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function maskValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskValue);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    // Mask secret values, but walk into objects under the same key (auth.identity.password.user).
    const secretValue = MASKED_BODY_KEYS.has(key) && inner !== null && typeof inner !== 'object';
    out[key] = secretValue ? MASK : maskValue(inner);
  }
  return out;
}

/** The body as recorded: parsed JSON (secrets masked), short text, or a byte count for binary. */
export function recordedBody(raw: Buffer, contentType: string | undefined): unknown {
  if (raw.length === 0) return undefined;
  const text = raw.toString('utf8');
  if (!contentType || /json/.test(contentType)) {
    try {
      return maskValue(JSON.parse(text));
    } catch {
      // fall through: not JSON
    }
  }
  if (contentType && /octet-stream/.test(contentType)) return `<${raw.length} bytes>`;
  return text.length > MAX_TEXT_BODY_CHARS
    ? `${text.slice(0, MAX_TEXT_BODY_CHARS)}...<${raw.length} bytes>`
    : text;
}

export function queryRecord(query: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const key of new Set(query.keys())) {
    const values = query.getAll(key);
    out[key] = values.length === 1 ? values[0] : values;
  }
  return out;
}

export function filterCalls(
  calls: readonly CallRecord[],
  service: CallRecord['service'],
  method?: string,
  path?: RegExp,
): CallRecord[] {
  return calls.filter(
    (call) =>
      call.service === service &&
      (method === undefined || call.method === method.toUpperCase()) &&
      (path === undefined || path.test(call.path)),
  );
}
