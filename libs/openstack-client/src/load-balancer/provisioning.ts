import { ResourceFailedError, ResourceGoneError } from '../common/errors';
import type { PollSpec } from '../common/wait';
import type { WireReader } from '../common/wire';

/**
 * Octavia's provisioning_status (api-ref "Provisioning Status Codes"): a change makes the object
 * and its load balancer PENDING_*; the provider driver sets ACTIVE (or ERROR) when done. While
 * the load balancer is PENDING_* every change to it or its children gets 409 "immutable".
 */
export type ProvisioningStatus =
  'ACTIVE' | 'DELETED' | 'ERROR' | 'PENDING_CREATE' | 'PENDING_UPDATE' | 'PENDING_DELETE';

/** operating_status (api-ref "Operating Status Codes"): what the health checks see. */
export type OperatingStatus =
  'ONLINE' | 'DRAINING' | 'OFFLINE' | 'DEGRADED' | 'ERROR' | 'NO_MONITOR';

/** The fields every Octavia object carries. */
export interface OctaviaObject {
  id: string;
  name: string;
  description: string;
  provisioningStatus: ProvisioningStatus;
  operatingStatus: OperatingStatus;
  adminStateUp: boolean;
  projectId: string;
  tags: string[];
  createdAt?: string;
  updatedAt?: string;
}

type Obj = Record<string, unknown>;

export function parseOctaviaObject(wire: WireReader, o: Obj, path: string): OctaviaObject {
  return {
    id: wire.string(o, 'id', path),
    name: wire.optionalString(o, 'name', path) ?? '',
    description: wire.optionalString(o, 'description', path) ?? '',
    provisioningStatus: wire.string(o, 'provisioning_status', path) as ProvisioningStatus,
    operatingStatus: wire.string(o, 'operating_status', path) as OperatingStatus,
    adminStateUp: wire.optionalBoolean(o, 'admin_state_up', path) ?? true,
    projectId: wire.optionalString(o, 'project_id', path) ?? '',
    tags: o['tags'] === undefined || o['tags'] === null ? [] : wire.stringArray(o, 'tags', path),
    createdAt: wire.optionalString(o, 'created_at', path),
    updatedAt: wire.optionalString(o, 'updated_at', path),
  };
}

/** `[{"id": ...}]` as ids (a pool's `listeners`, a listener's `loadbalancers`, ...). */
export function parseIdRefs(wire: WireReader, o: Obj, key: string, path: string): string[] {
  return (wire.optionalArray(o, key, path) ?? []).map((ref, i) =>
    wire.string(wire.record(ref, `${path}.${key}[${i}]`), 'id', `${path}.${key}[${i}]`),
  );
}

export const DEFAULT_PROVISIONING_FAIL_STATES: readonly ProvisioningStatus[] = ['ERROR'];

/** Waits for a provisioning status; ERROR (by default) fails at once, a 404 is "gone". */
export function provisioningStatusWait<T extends OctaviaObject>(
  resource: string,
  id: string,
  fetch: (signal: AbortSignal | undefined) => Promise<T | undefined>,
  targets: readonly ProvisioningStatus[],
  failOn: readonly ProvisioningStatus[],
): PollSpec<T, T> {
  return {
    resource,
    id,
    targetLabel: targets.join(' or '),
    fetch,
    statusOf: (o) => (o ? o.provisioningStatus : 'DELETED'),
    decide: (o) => {
      if (!o) throw new ResourceGoneError(resource, id, 'DELETED (404)');
      if (targets.includes(o.provisioningStatus)) return { done: true, value: o };
      if (failOn.includes(o.provisioningStatus)) {
        throw new ResourceFailedError(
          resource,
          id,
          o.provisioningStatus,
          'the provider driver could not apply the change (provisioning_status ERROR)',
        );
      }
      if (o.provisioningStatus === 'DELETED')
        throw new ResourceGoneError(resource, id, o.provisioningStatus);
      return { done: false };
    },
  };
}

/** Done on 404 or DELETED; ERROR fails at once (the provider could not delete it). */
export function provisioningDeletedWait<T extends OctaviaObject>(
  resource: string,
  id: string,
  fetch: (signal: AbortSignal | undefined) => Promise<T | undefined>,
): PollSpec<T, void> {
  return {
    resource,
    id,
    targetLabel: 'DELETED',
    fetch,
    statusOf: (o) => (o ? o.provisioningStatus : 'DELETED'),
    decide: (o) => {
      if (!o || o.provisioningStatus === 'DELETED') return { done: true, value: undefined };
      if (o.provisioningStatus === 'ERROR')
        throw new ResourceFailedError(
          resource,
          id,
          'ERROR',
          'the provider driver could not delete it (provisioning_status ERROR)',
        );
      return { done: false };
    },
  };
}
