// Neutron API reference v2.0, "Networks".
export const networksUrl = (): string => '/networks';
export const networkUrl = (networkId: string): string =>
  `/networks/${encodeURIComponent(networkId)}`;
