// Octavia API reference v2, "Load Balancers" (paths relative to the /v2 base).
const enc = encodeURIComponent;
export const loadBalancersUrl = (): string => '/lbaas/loadbalancers';
export const loadBalancerUrl = (id: string): string => `/lbaas/loadbalancers/${enc(id)}`;
export const loadBalancerStatsUrl = (id: string): string => `${loadBalancerUrl(id)}/stats`;
export const loadBalancerStatusUrl = (id: string): string => `${loadBalancerUrl(id)}/status`;
