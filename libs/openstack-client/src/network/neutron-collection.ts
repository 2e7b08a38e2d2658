import {
  envelopeDelete,
  envelopeGet,
  envelopeList,
  envelopeWrite,
  type Parse,
} from '../common/envelope-calls';
import type { ResourceList } from '../common/pagination';
import type { Session } from '../session/session';
import type { QueryValue } from '../session/session-types';

export type { Parse } from '../common/envelope-calls';
type Obj = Record<string, unknown>;

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
  return envelopeList(session, 'network', path, plural, query, parse, signal);
}

/** GET one Neutron resource: `{"<singular>": {...}}`. */
export function neutronGet<T>(
  session: Session,
  path: string,
  singular: string,
  parse: Parse<T>,
  signal?: AbortSignal,
): Promise<T> {
  return envelopeGet(session, 'network', path, singular, parse, signal);
}

/** POST/PUT a Neutron resource and read `{"<singular>": {...}}` back. */
export function neutronWrite<T>(
  session: Session,
  method: 'POST' | 'PUT',
  path: string,
  singular: string,
  body: Obj,
  parse: Parse<T>,
  signal?: AbortSignal,
): Promise<T> {
  return envelopeWrite(session, 'network', method, path, singular, body, parse, signal);
}

/** DELETE; false when already gone and ignoreMissing (default true). */
export function neutronDelete(
  session: Session,
  path: string,
  ignoreMissing = true,
  signal?: AbortSignal,
): Promise<boolean> {
  return envelopeDelete(session, 'network', path, ignoreMissing, signal);
}
