// Octavia API reference v2, "Listeners".
const enc = encodeURIComponent;
export const listenersUrl = (): string => '/lbaas/listeners';
export const listenerUrl = (id: string): string => `/lbaas/listeners/${enc(id)}`;
export const listenerStatsUrl = (id: string): string => `${listenerUrl(id)}/stats`;
