import { MalformedResponseError, type ServiceType } from './errors';

/** Where a body came from, so a shape error can say which call returned it. */
export interface ResponseContext {
  service: ServiceType;
  method: string;
  url: string;
  status: number;
  requestId?: string;
}

type Obj = Record<string, unknown>;

/**
 * Typed reading of a wire body: each accessor checks the type and fails with a
 * MalformedResponseError naming the field (e.g. "server.addresses.private[0].addr") rather than
 * letting a `undefined` travel into the caller's code.
 */
export class WireReader {
  constructor(readonly ctx: ResponseContext) {}

  fail(reason: string): never {
    throw new MalformedResponseError(
      this.ctx.service,
      this.ctx.method,
      this.ctx.url,
      this.ctx.status,
      reason,
      this.ctx.requestId,
    );
  }

  json(body: Buffer | string): unknown {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    try {
      return JSON.parse(text);
    } catch {
      const preview = text.slice(0, 80).replace(/\s+/g, ' ');
      return this.fail(`body is not JSON (starts with "${preview}")`);
    }
  }

  record(value: unknown, path: string): Obj {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return this.fail(`${path} should be an object, got ${describe(value)}`);
    }
    return value as Obj;
  }

  /** `obj[key]` as an object. */
  object(obj: Obj, key: string, path: string): Obj {
    return this.record(obj[key], `${path}.${key}`);
  }

  optionalObject(obj: Obj, key: string, path: string): Obj | undefined {
    return obj[key] === undefined || obj[key] === null ? undefined : this.object(obj, key, path);
  }

  string(obj: Obj, key: string, path: string): string {
    const value = obj[key];
    if (typeof value !== 'string')
      return this.fail(`${path}.${key} should be a string, got ${describe(value)}`);
    return value;
  }

  /** Missing, null and (when `emptyIsMissing`) "" read as undefined. */
  optionalString(obj: Obj, key: string, path: string, emptyIsMissing = false): string | undefined {
    const value = obj[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string')
      return this.fail(`${path}.${key} should be a string, got ${describe(value)}`);
    return emptyIsMissing && value === '' ? undefined : value;
  }

  number(obj: Obj, key: string, path: string): number {
    const value = obj[key];
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      return this.fail(`${path}.${key} should be a number, got ${describe(value)}`);
    }
    return value;
  }

  optionalNumber(obj: Obj, key: string, path: string): number | undefined {
    const value = obj[key];
    if (value === undefined || value === null || value === '') return undefined;
    return this.number(obj, key, path);
  }

  boolean(obj: Obj, key: string, path: string): boolean {
    const value = obj[key];
    if (typeof value !== 'boolean')
      return this.fail(`${path}.${key} should be a boolean, got ${describe(value)}`);
    return value;
  }

  optionalBoolean(obj: Obj, key: string, path: string): boolean | undefined {
    const value = obj[key];
    if (value === undefined || value === null) return undefined;
    return this.boolean(obj, key, path);
  }

  array(obj: Obj, key: string, path: string): unknown[] {
    const value = obj[key];
    if (!Array.isArray(value))
      return this.fail(`${path}.${key} should be an array, got ${describe(value)}`);
    return value;
  }

  optionalArray(obj: Obj, key: string, path: string): unknown[] | undefined {
    const value = obj[key];
    if (value === undefined || value === null) return undefined;
    return this.array(obj, key, path);
  }

  stringArray(obj: Obj, key: string, path: string): string[] {
    return this.array(obj, key, path).map((item, i) => {
      if (typeof item !== 'string')
        return this.fail(`${path}.${key}[${i}] should be a string, got ${describe(item)}`);
      return item;
    });
  }

  /** An object whose values are all strings (metadata). */
  stringRecord(obj: Obj, key: string, path: string): Record<string, string> {
    const rec = this.object(obj, key, path);
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(rec)) {
      if (typeof v !== 'string')
        return this.fail(`${path}.${key}.${k} should be a string, got ${describe(v)}`);
      out[k] = v;
    }
    return out;
  }

  /** Finds a `rel: next` href in an OpenStack `links` array (Nova `servers_links`, Neutron `networks_links`). */
  nextLink(obj: Obj, key: string, path: string): string | undefined {
    const links = this.optionalArray(obj, key, path);
    if (!links) return undefined;
    for (const [i, link] of links.entries()) {
      const rec = this.record(link, `${path}.${key}[${i}]`);
      if (rec['rel'] === 'next') return this.string(rec, 'href', `${path}.${key}[${i}]`);
    }
    return undefined;
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string')
    return `"${value.length > 40 ? value.slice(0, 40) + '...' : value}"`;
  if (typeof value === 'object') return 'an object';
  if (value === undefined) return 'nothing';
  return `${typeof value} ${String(value)}`;
}

/** A response's JSON body as an object, with a reader bound to the response for shape errors. */
export function readJsonObject(response: {
  service: ServiceType;
  method: string;
  url: string;
  status: number;
  requestId?: string;
  body: Buffer;
}): { wire: WireReader; root: Obj } {
  const wire = new WireReader(response);
  return { wire, root: wire.record(wire.json(response.body), 'body') };
}
