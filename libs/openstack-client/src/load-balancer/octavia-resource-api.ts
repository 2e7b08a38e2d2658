import type { Parse } from '../common/envelope-calls';
import type { ResourceList } from '../common/pagination';
import { pollUntil, type WaitForStatusOptions, type WaitOptions } from '../common/wait';
import type { Session } from '../session/session';
import type { CallOptions, QueryValue } from '../session/session-types';
import {
  octaviaDelete,
  octaviaGet,
  octaviaList,
  octaviaWrite,
  undefinedIfMissing,
  type OctaviaDeleteOptions,
  type OctaviaWriteOptions,
} from './octavia-calls';
import {
  DEFAULT_PROVISIONING_FAIL_STATES,
  provisioningDeletedWait,
  provisioningStatusWait,
  type OctaviaObject,
  type ProvisioningStatus,
} from './provisioning';

/** How one top-level Octavia collection looks on the wire. */
export interface OctaviaResourceSpec<T, TCreate, TUpdate, TFilters> {
  /** For messages, e.g. "listener". */
  resource: string;
  singular: string;
  plural: string;
  collectionUrl(): string;
  itemUrl(id: string): string;
  parse: Parse<T>;
  buildQuery(filters: TFilters): Record<string, QueryValue>;
  buildCreate(options: TCreate): Record<string, unknown>;
  buildUpdate(options: TUpdate): Record<string, unknown>;
}

/**
 * The calls every top-level Octavia object has (load balancers, listeners, pools, health
 * monitors): list, get, create, update, delete and waits on provisioning_status. Every change
 * is resent boundedly while the load balancer is immutable (OctaviaWriteOptions).
 */
export class OctaviaResourceApi<
  T extends OctaviaObject,
  TCreate extends OctaviaWriteOptions,
  TUpdate extends OctaviaWriteOptions,
  TFilters extends CallOptions,
> {
  /** @ignore Subclasses say how their collection looks on the wire. */
  constructor(
    protected readonly session: Session,
    private readonly spec: OctaviaResourceSpec<T, TCreate, TUpdate, TFilters>,
  ) {}

  /** GET the collection, lazily following `<plural>_links`. */
  list(filters: TFilters = {} as TFilters): ResourceList<T> {
    const s = this.spec;
    return octaviaList(
      this.session,
      s.collectionUrl(),
      s.plural,
      s.buildQuery(filters),
      s.parse,
      filters.signal,
    );
  }

  get(id: string, options: CallOptions = {}): Promise<T> {
    return octaviaGet(
      this.session,
      this.spec.itemUrl(id),
      this.spec.singular,
      this.spec.parse,
      options.signal,
    );
  }

  /** GET, undefined on 404. */
  find(id: string, options: CallOptions = {}): Promise<T | undefined> {
    return undefinedIfMissing(() => this.get(id, options));
  }

  /** POST; the object (and its load balancer) start PENDING_*. Resent only after a 409 "immutable". */
  create(options: TCreate): Promise<T> {
    return octaviaWrite(
      this.session,
      'POST',
      this.spec.collectionUrl(),
      this.spec.singular,
      this.spec.buildCreate(options),
      this.spec.parse,
      options,
    );
  }

  update(id: string, options: TUpdate): Promise<T> {
    return octaviaWrite(
      this.session,
      'PUT',
      this.spec.itemUrl(id),
      this.spec.singular,
      this.spec.buildUpdate(options),
      this.spec.parse,
      options,
    );
  }

  /** DELETE (204); false when already gone (ignoreMissing, default true). */
  delete(id: string, options: OctaviaDeleteOptions = {}): Promise<boolean> {
    return octaviaDelete(this.session, this.spec.itemUrl(id), options);
  }

  /** Polls until provisioning_status is `target`; ERROR fails at once, a 404 is ResourceGoneError. */
  waitForStatus(id: string, options: WaitForStatusOptions<T, ProvisioningStatus>): Promise<T> {
    const targets = Array.isArray(options.target) ? options.target : [options.target];
    return pollUntil(
      provisioningStatusWait(
        this.spec.resource,
        id,
        (signal) => this.find(id, { signal }),
        targets as ProvisioningStatus[],
        options.failOn ?? DEFAULT_PROVISIONING_FAIL_STATES,
      ),
      options,
    );
  }

  /** Polls until GET answers 404 (or DELETED); ERROR fails at once. */
  waitForDeleted(id: string, options: WaitOptions<T>): Promise<void> {
    return pollUntil(
      provisioningDeletedWait(this.spec.resource, id, (signal) => this.find(id, { signal })),
      options,
    );
  }
}
