// Neutron API reference v2.0, "Subnets".
export const subnetsUrl = (): string => '/subnets';
export const subnetUrl = (subnetId: string): string => `/subnets/${encodeURIComponent(subnetId)}`;
