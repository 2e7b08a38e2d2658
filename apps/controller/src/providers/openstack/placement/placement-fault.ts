import type { ServerGroupPolicyName } from '../../../config/placement.config';

/**
 * Nova's fault when the scheduler found no host: NoValidHost, "No valid host was found. There are
 * not enough hosts available." (nova/exception.py). Also the case where the cloud cannot honour a
 * hard policy at all: "ServerGroup policy is not supported: ServerGroupAntiAffinityFilter not
 * configured" (nova/scheduler/utils.py, when the operator left the filter out of enabled_filters).
 */
const NO_VALID_HOST = /No valid host was found/i;
const POLICY_NOT_SUPPORTED = /ServerGroup policy is not supported/i;

/** The one line for a server whose fault means the group's placement rule cannot be met; undefined otherwise. */
export function placementFaultLine(
  fault: string | undefined,
  group: { readonly name: string; readonly policy: ServerGroupPolicyName } | undefined,
): string | undefined {
  if (!fault || !group) return undefined;
  const hard = group.policy === 'anti-affinity' || group.policy === 'affinity';
  if (!hard) return undefined;
  if (POLICY_NOT_SUPPORTED.test(fault)) {
    return `the cloud cannot apply ${group.policy} for group ${group.name} (Nova: "${fault.trim()}"); use soft-${group.policy} or ask the operator to enable the filter`;
  }
  if (!NO_VALID_HOST.test(fault)) return undefined;
  return group.policy === 'anti-affinity'
    ? `no host left that satisfies anti-affinity for group ${group.name}; use soft-anti-affinity or add hosts (Nova: "${fault.trim()}")`
    : `no host left that satisfies affinity for group ${group.name} (its members' host is full); use soft-affinity or free capacity there (Nova: "${fault.trim()}")`;
}
