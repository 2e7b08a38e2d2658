// Octavia API reference v2, "Health Monitors".
const enc = encodeURIComponent;
export const healthMonitorsUrl = (): string => '/lbaas/healthmonitors';
export const healthMonitorUrl = (id: string): string => `/lbaas/healthmonitors/${enc(id)}`;
