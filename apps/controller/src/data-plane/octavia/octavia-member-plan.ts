import type { Member, MemberSpec } from '@osa/openstack-client';
import type { DataPlaneMember } from '../../seams/data-plane';

/**
 * Members the controller created carry this name prefix plus the instance id (the Nova server
 * id), so a restarted controller knows them again; every other member of the pool (added by
 * hand, by another tool) is passed through unchanged and never removed.
 */
export const OWNED_MEMBER_PREFIX = 'osa:';

export function ownedMemberName(instanceId: string): string {
  return `${OWNED_MEMBER_PREFIX}${instanceId}`;
}

export function isOwnedMember(member: Pick<Member, 'name'>): boolean {
  return member.name.startsWith(OWNED_MEMBER_PREFIX);
}

export interface MemberPlanInput {
  /** The pool's members now, as Octavia lists them. */
  current: readonly Member[];
  /** What the control plane wants (seams/data-plane.ts). */
  desired: readonly DataPlaneMember[];
  /** `whileScaling: empty-pool` with the gate closed: every owned member gets weight 0. */
  disableAll: boolean;
  /**
   * Remove owned members that are not desired. False right after a (re)start until the control
   * plane has named at least one ready member: an empty set at boot means "not reconciled yet",
   * not "remove everything" (that would cut every client off while the group is recovered).
   */
  pruneStale: boolean;
}

export interface MemberPlan {
  /** The whole pool for Octavia's batch member update. */
  members: MemberSpec[];
  /** Whether Octavia would change anything (no call, no PENDING_UPDATE, when false). */
  changed: boolean;
  added: string[];
  updated: string[];
  removed: string[];
}

const key = (address: string, port: number): string => `${address}:${port}`;

/**
 * Octavia weights are 0-256; the seam's are 1-256 for ready members. `drain` and `maint` are both
 * weight 0 (no new requests; what is in flight finishes), never `admin_state_up: false`: on the
 * devcloud's HAProxy provider a member once disabled stays in maintenance after it is enabled
 * again (its server state file keeps the state across the reload; measured: every request then
 * got 503), while weight changes always take effect.
 */
function weightOf(member: DataPlaneMember, disableAll: boolean): number {
  if (member.state !== 'ready' || disableAll) return 0;
  return Math.min(256, Math.max(1, Math.round(member.weight)));
}

function keep(m: Member): MemberSpec {
  return {
    address: m.address,
    protocolPort: m.protocolPort,
    name: m.name,
    weight: m.weight,
    adminStateUp: m.adminStateUp,
    backup: m.backup,
    subnetId: m.subnetId,
    monitorAddress: m.monitorAddress,
    monitorPort: m.monitorPort,
  };
}

/**
 * The desired pool as one batch update: `ready` -> its weight; `drain` and `maint` -> weight 0
 * (what it has in flight finishes, it gets nothing new); `disableAll` (empty-pool while scaling)
 * -> every one weight 0. Members are matched by address and port, as Octavia matches them.
 */
export function planMembers(input: MemberPlanInput): MemberPlan {
  const current = new Map(input.current.map((m) => [key(m.address, m.protocolPort), m]));
  const wanted = new Map<string, MemberSpec>();
  for (const d of input.desired) {
    wanted.set(key(d.backend.host, d.backend.port), {
      address: d.backend.host,
      protocolPort: d.backend.port,
      name: ownedMemberName(d.backend.id),
      weight: weightOf(d, input.disableAll),
      adminStateUp: true,
    });
  }
  const plan: MemberPlan = { members: [], changed: false, added: [], updated: [], removed: [] };
  for (const [k, spec] of wanted) {
    plan.members.push(spec);
    const now = current.get(k);
    if (!now) plan.added.push(spec.name ?? k);
    else if (
      now.weight !== spec.weight ||
      now.adminStateUp !== spec.adminStateUp ||
      now.name !== spec.name
    )
      plan.updated.push(spec.name ?? k);
  }
  for (const [k, m] of current) {
    if (wanted.has(k)) continue;
    if (isOwnedMember(m) && input.pruneStale) {
      plan.removed.push(m.name);
      continue;
    }
    plan.members.push(keep(m));
  }
  plan.changed = plan.added.length + plan.updated.length + plan.removed.length > 0;
  return plan;
}
