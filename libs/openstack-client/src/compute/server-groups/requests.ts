import type { CallOptions } from '../../session/session-types';
import { InvalidArgumentError } from '../../common/errors';
import { requireMicroversion, type Microversion } from '../microversion';

/** The four scheduling policies of a server group (Nova API reference "Create Server Group"). */
export const SERVER_GROUP_POLICIES = [
  'anti-affinity',
  'affinity',
  'soft-anti-affinity',
  'soft-affinity',
] as const;
export type ServerGroupPolicy = (typeof SERVER_GROUP_POLICIES)[number];

/** Microversions at which the server-group request/response shape changes. */
export const SERVER_GROUP_MICROVERSIONS = {
  /** `soft-anti-affinity` and `soft-affinity` exist from 2.15 (below: 400 "... is not one of ['anti-affinity', 'affinity']"). */
  softPolicies: '2.15',
  /** 2.64: one `policy` string plus `rules` replace the `policies` list (and `metadata` goes). */
  policyAndRules: '2.64',
} as const;

export interface CreateServerGroupOptions extends CallOptions {
  name: string;
  policy: ServerGroupPolicy;
  /**
   * `max_server_per_host` (2.64+, `anti-affinity` only): how many members one host may hold.
   * Below 2.64 Nova has no rules (MicroversionNotSupportedError).
   */
  maxServerPerHost?: number;
}

type Json = Record<string, unknown>;

/**
 * POST /os-server-groups body, in the form the negotiated microversion wants: `policy` + `rules`
 * from 2.64 (samples os-server-groups/v2.64/server-groups-post-req.json), a one-item `policies`
 * list before (server-groups-post-req.json).
 */
export function buildCreateServerGroupBody(
  options: CreateServerGroupOptions,
  mv: Microversion,
): Json {
  if (typeof options.name !== 'string' || options.name.trim() === '' || options.name.length > 255) {
    throw new InvalidArgumentError(
      'createServerGroup.name',
      `got ${JSON.stringify(options.name)}`,
      'allowed: 1 to 255 characters',
    );
  }
  if (!SERVER_GROUP_POLICIES.includes(options.policy)) {
    throw new InvalidArgumentError(
      'createServerGroup.policy',
      `got ${JSON.stringify(options.policy)}`,
      `allowed: ${SERVER_GROUP_POLICIES.join(', ')}`,
    );
  }
  if (options.policy.startsWith('soft-'))
    requireMicroversion(
      mv,
      SERVER_GROUP_MICROVERSIONS.softPolicies,
      `server group policy ${options.policy}`,
    );
  if (options.maxServerPerHost !== undefined) {
    requireMicroversion(
      mv,
      SERVER_GROUP_MICROVERSIONS.policyAndRules,
      'server group rules (max_server_per_host)',
    );
    if (
      options.policy !== 'anti-affinity' ||
      !Number.isInteger(options.maxServerPerHost) ||
      options.maxServerPerHost < 1
    ) {
      throw new InvalidArgumentError(
        'createServerGroup.maxServerPerHost',
        `got ${JSON.stringify(options.maxServerPerHost)} with policy ${options.policy}`,
        'allowed: a positive integer, with policy anti-affinity only',
      );
    }
  }
  if (mv.atLeast(SERVER_GROUP_MICROVERSIONS.policyAndRules)) {
    const group: Json = { name: options.name, policy: options.policy };
    if (options.maxServerPerHost !== undefined)
      group['rules'] = { max_server_per_host: options.maxServerPerHost };
    return { server_group: group };
  }
  return { server_group: { name: options.name, policies: [options.policy] } };
}
