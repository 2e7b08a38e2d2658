import { InvalidArgumentError } from '../../common/errors';
import type { CallOptions, QueryValue } from '../../session/session-types';
import { definedFields, type OctaviaWriteOptions } from '../octavia-calls';

export type HealthMonitorType =
  'HTTP' | 'HTTPS' | 'PING' | 'TCP' | 'TLS-HELLO' | 'UDP-CONNECT' | 'SCTP';

export interface ListHealthMonitorsFilters extends CallOptions {
  name?: string;
  poolId?: string;
}

export function buildListHealthMonitorsQuery(
  filters: ListHealthMonitorsFilters,
): Record<string, QueryValue> {
  return { name: filters.name, pool_id: filters.poolId };
}

export interface CreateHealthMonitorOptions extends OctaviaWriteOptions {
  poolId: string;
  type: HealthMonitorType;
  /** Seconds between checks. */
  delaySeconds: number;
  /** Seconds one check may take (must be <= delaySeconds). */
  timeoutSeconds: number;
  /** Successes before a member is ONLINE (1-10). */
  maxRetries: number;
  /** Failures before a member is ERROR (1-10). Octavia's default 3. */
  maxRetriesDown?: number;
  urlPath?: string;
  httpMethod?: string;
  /** e.g. "200" or "200-299". */
  expectedCodes?: string;
  name?: string;
  tags?: readonly string[];
}

export function buildCreateHealthMonitorBody(
  options: CreateHealthMonitorOptions,
): Record<string, unknown> {
  if (!options.poolId)
    throw new InvalidArgumentError('createHealthMonitor.poolId', 'must be a non-empty id');
  if (options.timeoutSeconds > options.delaySeconds)
    throw new InvalidArgumentError(
      'createHealthMonitor.timeoutSeconds',
      `${options.timeoutSeconds} is longer than delaySeconds ${options.delaySeconds}`,
      'Octavia refuses a check that may outlast its interval',
    );
  return definedFields({
    pool_id: options.poolId,
    type: options.type,
    delay: options.delaySeconds,
    timeout: options.timeoutSeconds,
    max_retries: options.maxRetries,
    max_retries_down: options.maxRetriesDown,
    url_path: options.urlPath,
    http_method: options.httpMethod,
    expected_codes: options.expectedCodes,
    name: options.name,
    tags: options.tags ? [...options.tags] : undefined,
  });
}

export interface UpdateHealthMonitorOptions extends OctaviaWriteOptions {
  delaySeconds?: number;
  timeoutSeconds?: number;
  maxRetries?: number;
  maxRetriesDown?: number;
  urlPath?: string;
  adminStateUp?: boolean;
}

export function buildUpdateHealthMonitorBody(
  options: UpdateHealthMonitorOptions,
): Record<string, unknown> {
  return definedFields({
    delay: options.delaySeconds,
    timeout: options.timeoutSeconds,
    max_retries: options.maxRetries,
    max_retries_down: options.maxRetriesDown,
    url_path: options.urlPath,
    admin_state_up: options.adminStateUp,
  });
}
