/**
 * One failure type for the bake: which resource, what went wrong, the OpenStack request id that
 * shows it (from the client's error, or the last request to that service when the client decided
 * client-side, e.g. "no image has that name"), and what to do about it.
 */
import { OpenStackHttpError, QuotaExceededError } from '@osa/openstack-client';
import type { ClientEvent } from '@osa/openstack-client';

export class BakeFailure extends Error {
  constructor(
    /** e.g. `flavor "m1.small"`, `server service-vm-1 (id)`. */
    readonly resource: string,
    readonly problem: string,
    /** The request id; undefined: a cloud failure without one; null: no cloud call involved. */
    readonly requestId?: string | null,
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(
      `${resource}: ${problem}` +
        (requestId === null ? '' : ` [OpenStack request id: ${requestId ?? 'none received'}]`) +
        (hint ? `\n  ${hint}` : ''),
      options,
    );
    this.name = 'BakeFailure';
  }
}

export function requestIdOf(err: unknown): string | undefined {
  if (err instanceof OpenStackHttpError) return err.requestId;
  const rid = (err as { requestId?: unknown } | undefined)?.requestId;
  return typeof rid === 'string' ? rid : undefined;
}

export function isQuotaExceeded(err: unknown): boolean {
  return (
    err instanceof QuotaExceededError ||
    (err instanceof OpenStackHttpError &&
      (err.status === 403 || err.status === 413 || err.status === 409) &&
      /quota/i.test(err.serverMessage))
  );
}

export function messageOf(err: unknown): string {
  if (err instanceof OpenStackHttpError) {
    return `${err.status}${err.errorType ? ` ${err.errorType}` : ''} from ${err.service} (${err.method} ${err.url}): ${err.serverMessage}`;
  }
  return err instanceof Error ? err.message : String(err);
}

/**
 * Remembers the request id of the latest answered request per service (the client's logger
 * reports every request with its id), and prints them all in --show-requests mode.
 */
export class RequestLog {
  private readonly lastByService = new Map<string, string>();
  private lastAny: string | undefined;

  constructor(private readonly verboseWrite?: (line: string) => void) {}

  readonly logger = (event: ClientEvent): void => {
    if (event.type === 'request') {
      if (event.requestId) {
        this.lastByService.set(event.service, event.requestId);
        this.lastAny = event.requestId;
      }
      this.verboseWrite?.(
        `${event.method} ${event.url} -> ${event.status} in ${event.durationMs} ms${event.requestId ? ` [${event.requestId}]` : ''}${event.attempt > 1 ? ` (attempt ${event.attempt})` : ''}`,
      );
    } else if (event.type === 'retry') {
      this.verboseWrite?.(
        `retry ${event.method} ${event.url} in ${event.delayMs} ms: ${event.reason}`,
      );
    } else if (event.type === 'request-failed') {
      this.verboseWrite?.(
        `${event.method} ${event.url} failed after ${event.durationMs} ms: ${event.error}`,
      );
    }
  };

  last(service?: string): string | undefined {
    return service ? this.lastByService.get(service) : this.lastAny;
  }
}

/** Wraps any error from a cloud call into a BakeFailure naming the resource and request id. */
export function cloudFailure(
  resource: string,
  action: string,
  err: unknown,
  requests: RequestLog,
  service: string,
  hint?: string,
): BakeFailure {
  if (err instanceof BakeFailure) return err;
  const quota = isQuotaExceeded(err);
  return new BakeFailure(
    resource,
    `${quota ? 'quota exceeded while trying to ' : ''}${action} failed: ${messageOf(err)}`,
    requestIdOf(err) ?? requests.last(service),
    hint ??
      (quota
        ? 'Free some quota (delete unused servers/images) or ask the cloud admin to raise it.'
        : undefined),
    { cause: err },
  );
}
