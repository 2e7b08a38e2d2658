// The fake's scheduler: which compute host a new server lands on, honouring the requested
// availability zone and the server group's policy, the way Nova's filters and weighers do
// (ServerGroupAntiAffinityFilter / ServerGroupAffinityFilter for the hard policies, the
// ServerGroupSoft*Weigher for the soft ones). No host left -> NoValidHost: the server goes ERROR
// with fault code 500 "No valid host was found. There are not enough hosts available." (the
// message of nova.exception.NoValidHost as a server fault).
import type { FakeComputeHost, FakeServer, FakeServerGroup } from '../fake-openstack.types';

export const NO_VALID_HOST_MESSAGE =
  'No valid host was found. There are not enough hosts available.';

export type Placement =
  | { readonly host: FakeComputeHost }
  | { readonly fault: { code: number; message: string; details?: string }; readonly zone: string };

/**
 * Picks a host for one new server. `others` are the existing servers (their `host` and group);
 * the first host in order wins a tie.
 */
export function placeServer(
  hosts: readonly FakeComputeHost[],
  zone: string | undefined,
  group: FakeServerGroup | undefined,
  others: readonly FakeServer[],
): Placement {
  const inZone = hosts.filter((h) => zone === undefined || h.zone === zone);
  const membersOn = (host: FakeComputeHost): number =>
    group ? others.filter((s) => s.serverGroupId === group.id && s.host === host.name).length : 0;
  let candidates = [...inZone];
  if (group?.policy === 'anti-affinity') {
    const max = group.rules.max_server_per_host ?? 1;
    candidates = candidates.filter((h) => membersOn(h) < max);
  } else if (group?.policy === 'affinity') {
    const used = candidates.filter((h) => membersOn(h) > 0);
    const anyMember = others.some((s) => s.serverGroupId === group.id && s.host !== undefined);
    if (anyMember) candidates = used;
  } else if (group?.policy === 'soft-anti-affinity') {
    candidates.sort((a, b) => membersOn(a) - membersOn(b));
  } else if (group?.policy === 'soft-affinity') {
    candidates.sort((a, b) => membersOn(b) - membersOn(a));
  }
  const host = candidates[0];
  if (!host) {
    return {
      zone: zone ?? '',
      fault: {
        code: 500,
        message: NO_VALID_HOST_MESSAGE,
        details:
          'Traceback (most recent call last):\n  ...\nnova.exception.NoValidHost: No valid host was found. There are not enough hosts available.\n',
      },
    };
  }
  return { host };
}
