import { NotFoundError } from '../common/errors';
import { ResourceList } from '../common/pagination';
import { readJsonObject, type WireReader } from '../common/wire';
import type { Session } from '../session/session';
import type { QueryValue } from '../session/session-types';

type Obj = Record<string, unknown>;
export type Parse<T> = (wire: WireReader, obj: Obj, path: string) => T;

/**
 * A Neutron collection: `{"<plural>": [...], "<plural>_links": [{"rel": "next", ...}]}` (the
 * links appear only when the server paginates; Neutron API reference "Pagination").
 */
export function neutronList<T>(
  session: Session,
  path: string,
  plural: string,
  query: Record<string, QueryValue>,
  parse: Parse<T>,
  signal?: AbortSignal,
): ResourceList<T> {
  return new ResourceList<T>(async (next) => {
    const res = await session.request('network', {
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

/** GET one Neutron resource: `{"<singular>": {...}}`. */
export async function neutronGet<T>(
  session: Session,
  path: string,
  singular: string,
  parse: Parse<T>,
  signal?: AbortSignal,
): Promise<T> {
  const res = await session.request('network', { method: 'GET', path, signal });
  const { wire, root } = readJsonObject(res);
  return parse(wire, wire.object(root, singular, 'body'), singular);
}

/** POST/PUT a Neutron resource and read `{"<singular>": {...}}` back. */
export async function neutronWrite<T>(
  session: Session,
  method: 'POST' | 'PUT',
  path: string,
  singular: string,
  body: Obj,
  parse: Parse<T>,
  signal?: AbortSignal,
): Promise<T> {
  const res = await session.request('network', {
    method,
    path,
    json: { [singular]: body },
    signal,
  });
  const { wire, root } = readJsonObject(res);
  return parse(wire, wire.object(root, singular, 'body'), singular);
}

/** DELETE; false when already gone and ignoreMissing (default true). */
export async function neutronDelete(
  session: Session,
  path: string,
  ignoreMissing = true,
  signal?: AbortSignal,
): Promise<boolean> {
  try {
    await session.request('network', { method: 'DELETE', path, signal });
    return true;
  } catch (err) {
    if (err instanceof NotFoundError && ignoreMissing) return false;
    throw err;
  }
}
