// Neutron API reference v2.0, "Floating IPs (floatingips)".
export const floatingIpsUrl = (): string => '/floatingips';
export const floatingIpUrl = (id: string): string => `/floatingips/${encodeURIComponent(id)}`;
