// Octavia API reference v2, "Members" (under their pool).
const enc = encodeURIComponent;
export const membersUrl = (poolId: string): string => `/lbaas/pools/${enc(poolId)}/members`;
export const memberUrl = (poolId: string, memberId: string): string =>
  `${membersUrl(poolId)}/${enc(memberId)}`;
