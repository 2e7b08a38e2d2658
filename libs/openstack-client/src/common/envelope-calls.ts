import { NotFoundError, type ServiceType } from './errors';
import { ResourceList } from './pagination';
import { readJsonObject, type WireReader } from './wire';
import type { Session } from '../session/session';
import type { QueryValue } from '../session/session-types';

type Obj = Record<string, unknown>;
export type Parse<T> = (wire: WireReader, obj: Obj, path: string) => T;

/**
 * Calls on services whose bodies wrap one resource in `{"<singular>": {...}}` and a collection in
 * `{"<plural>": [...], "<plural>_links": [{"rel": "next", ...}]}`: Neutron v2.0 and Octavia v2
 * share this envelope (Neutron API reference "Pagination", Octavia api-ref "Pagination").
 */
export function envelopeList<T>(
  session: Session,
  service: ServiceType,
  path: string,
  plural: string,
  query: Record<string, QueryValue>,
  parse: Parse<T>,
  signal?: AbortSignal,
): ResourceList<T> {
  return new ResourceList<T>(async (next) => {
    const res = await session.request(service, {
      method: 'GET',
      path: next ?? path,
      query: next ? undefined : query,
      signal,
    });
    const { wire, root } = readJsonObject(res);
    return {
      items: wire
        .array(root, plural, 'body')
        .map((o, i) => parse(wire, wire.record(o, `${plural}[${i}]`), `${plural}[${i}]`)),
      next: wire.nextLink(root, `${plural}_links`, 'body'),
    };
  });
}

/** GET one resource: `{"<singular>": {...}}`. */
export async function envelopeGet<T>(
  session: Session,
  service: ServiceType,
  path: string,
  singular: string,
  parse: Parse<T>,
  signal?: AbortSignal,
): Promise<T> {
  const res = await session.request(service, { method: 'GET', path, signal });
  const { wire, root } = readJsonObject(res);
  return parse(wire, wire.object(root, singular, 'body'), singular);
}

/** POST/PUT a resource and read `{"<singular>": {...}}` back. */
export async function envelopeWrite<T>(
  session: Session,
  service: ServiceType,
  method: 'POST' | 'PUT',
  path: string,
  singular: string,
  body: Obj,
  parse: Parse<T>,
  signal?: AbortSignal,
): Promise<T> {
  const res = await session.request(service, {
    method,
    path,
    json: { [singular]: body },
    signal,
  });
  const { wire, root } = readJsonObject(res);
  return parse(wire, wire.object(root, singular, 'body'), singular);
}

/** DELETE; false when already gone and ignoreMissing (default true). */
export async function envelopeDelete(
  session: Session,
  service: ServiceType,
  path: string,
  ignoreMissing = true,
  signal?: AbortSignal,
  query?: Record<string, QueryValue>,
): Promise<boolean> {
  try {
    await session.request(service, { method: 'DELETE', path, query, signal });
    return true;
  } catch (err) {
    if (err instanceof NotFoundError && ignoreMissing) return false;
    throw err;
  }
}
