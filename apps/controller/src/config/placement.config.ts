import { ValidateIf } from 'class-validator';
import { Allowed, DurationMs, OneOf, TextOfLength } from './config-rules';

/** Nova's server group policies (os-server-groups; the soft ones need compute microversion 2.15). */
export const SERVER_GROUP_POLICIES = [
  'anti-affinity',
  'soft-anti-affinity',
  'affinity',
  'soft-affinity',
] as const;
export type ServerGroupPolicyName = (typeof SERVER_GROUP_POLICIES)[number];

/**
 * `provider.openstack.serverGroup`: the Nova server group every instance the controller creates
 * boots into (the `group` scheduler hint). Adopted when one of this name exists, created with
 * `policy` otherwise. The original (`provider.originalName`) is not in it unless the user booted
 * it there: Nova puts a server in a group only at create.
 */
export class ServerGroupConfig {
  @TextOfLength(1, 255, 'a server group name')
  name!: string;

  /** `anti-affinity` (hard: a host per instance, NoValidHost when none is left) or `soft-anti-affinity` (spread when possible), `affinity`, `soft-affinity`. */
  @OneOf(SERVER_GROUP_POLICIES)
  policy: ServerGroupPolicyName = 'soft-anti-affinity';
}

/** `provider.openstack.placement`: how long placement and quota problems are remembered. */
export class PlacementTimingConfig {
  /** A zone where a build failed is skipped for this long (while another zone is left). */
  @DurationMs(1_000, 86_400_000)
  zoneFailureBackoffMs = 300_000;

  /** After NoValidHost for a hard group, scale-outs wait this long unless a member leaves first (then at once). */
  @DurationMs(1_000, 86_400_000)
  noValidHostRecheckMs = 300_000;

  /** Nova's quota usage (`/limits`) is read again this often while a quota holds a scale-out back, and before each scale-out when older. */
  @DurationMs(1_000, 3_600_000)
  quotaRefreshIntervalMs = 30_000;
}

/** Validate only when given (optional sections). */
export const WhenGiven = (): PropertyDecorator =>
  ValidateIf((_object: object, value: unknown) => value !== undefined);

/** `provider.openstack.availabilityZones`: distinct zone names, in tie-break order. */
export function AvailabilityZoneList(): PropertyDecorator {
  return Allowed(
    'a list of at most 20 distinct availability zone names (1 to 255 characters each)',
    (value) =>
      Array.isArray(value) &&
      value.length <= 20 &&
      value.every((z) => typeof z === 'string' && z.length > 0 && z.length <= 255) &&
      new Set(value).size === value.length,
  );
}
