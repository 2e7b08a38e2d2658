// Nova API reference, "Flavors".
export const flavorsDetailUrl = (): string => '/flavors/detail';
export const flavorUrl = (flavorId: string): string => `/flavors/${encodeURIComponent(flavorId)}`;
