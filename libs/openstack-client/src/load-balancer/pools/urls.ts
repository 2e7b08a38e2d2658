// Octavia API reference v2, "Pools".
const enc = encodeURIComponent;
export const poolsUrl = (): string => '/lbaas/pools';
export const poolUrl = (id: string): string => `/lbaas/pools/${enc(id)}`;
